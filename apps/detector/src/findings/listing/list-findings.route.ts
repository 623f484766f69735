import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError, ID_PATTERNS } from '@mandate/core';
import { Allow, CurrentPrincipal, operatorOf, Principal } from '@mandate/platform';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { DetectorRunner } from '../../runner/detector-runner';
import { securityEventView } from '../finding-view';
import { ListFindingsQuery } from './list-findings.query';
import { SecurityEventListResponse, SecurityEventView } from '../../detector.response';

/** Findings: what the detectors raised, their evidence, and operators' acknowledgements. */
@Controller('v1/security-events')
export class ListFindingsRoute {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly runner: DetectorRunner,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'auditor')
  @ApiOkResponse({ type: SecurityEventListResponse })
  @ApiOperation({ summary: 'Findings, with filters (signal, severity, agent_id, jti, status) and cursor' })
  async list(@Query() q: ListFindingsQuery, @CurrentPrincipal() principal: Principal) {
    const tenantId = operatorOf(principal).tenantId;
    if (q.wait_for_position !== undefined) await this.runner.reach(q.wait_for_position);
    const limit = q.limit ?? 100;
    const page = await this.readModels.securityEvents({
      tenantId, signal: q.signal, severity: q.severity, agentId: q.agent_id, jti: q.jti, status: q.status,
      afterPosition: q.cursor ? Number(q.cursor) : 0, limit,
    });
    return { security_events: page.map(securityEventView), next_cursor: page.length === limit ? String(page[page.length - 1].position) : null };
  }

  @Get(':id')
  @Allow('admin', 'operator', 'auditor')
  @ApiOkResponse({ type: SecurityEventView })
  @ApiOperation({ summary: 'One finding' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const finding = ID_PATTERNS.finding.test(id) ? await this.readModels.securityEvent(operatorOf(principal).tenantId, id) : null;
    if (!finding) throw new DomainError('NOT_FOUND', `security event ${id} was not found`);
    return securityEventView(finding);
  }
}
