import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { ListIntentsQuery } from './list-intents.query';
import { IntentListResponse } from '../intent.response';
import { intentSummaryView } from '../intent-view';

@Controller('v1/intents')
export class ListIntentsRoute {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  /** The approval queue, from the read model. */
  @Get()
  @Allow('admin', 'approver', 'operator', 'auditor')
  @ApiOkResponse({ type: IntentListResponse })
  @ApiOperation({ summary: 'The approval queue (status=pending by default)' })
  async list(@Query() query: ListIntentsQuery, @CurrentPrincipal() principal: Principal) {
    const limit = query.limit ?? 100;
    const page = await this.readModels.intents(operatorOf(principal).tenantId, query.status ?? 'pending', query.cursor ?? '', limit);
    return {
      intents: page.map(intentSummaryView),
      next_cursor: page.length === limit ? page[page.length - 1].intentId : null,
    };
  }
}
