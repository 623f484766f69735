import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Matches, IsOptional } from 'class-validator';
import { exportLine } from '@mandate/audit';
import { EventStore } from '@mandate/event-store';
import { Allow, CurrentPrincipal, EVENT_STORE, NdjsonResponse, operatorOf, Principal } from '@mandate/platform';
import { AuditExportLine } from '../audit.response';

export class ExportQueryDto {
  @IsOptional() @Matches(/^\d{1,15}$/) after_position?: string;
}

const PAGE = 1000;

@Controller('v1/audit')
export class AuditExportRoute {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Every raw event of the tenant, one JSON object a line, each with its chain link so anyone can re-check it. */
  @Get('export')
  @Allow('admin', 'auditor')
  @NdjsonResponse(AuditExportLine, 'Every stored event of the tenant, oldest first')
  @ApiOperation({ summary: 'Every raw event of the tenant as NDJSON, with chain links' })
  async export(@Query() q: ExportQueryDto, @CurrentPrincipal() principal: Principal, @Res() reply: any) {
    const tenantId = operatorOf(principal).tenantId;
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    let after = q.after_position ? Number(q.after_position) : 0;
    for (;;) {
      const page = await this.store.readTenantChain(tenantId, after, PAGE);
      if (page.length === 0) break;
      const chunk = page.map(exportLine).join('\n') + '\n';
      if (!reply.raw.write(chunk)) await new Promise((resume) => reply.raw.once('drain', resume));
      after = page[page.length - 1].event.position;
      if (reply.raw.destroyed) return;
    }
    reply.raw.end();
  }
}
