import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { agentDecider, agentStream } from '@mandate/agents';
import { Allow, CurrentPrincipal, Decisions, operatorOf, Principal, Revocations } from '@mandate/platform';
import { loadAgentOf } from '../agent-access';
import { AgentKeyRevokedResponse, AgentKeysResponse } from './agent-keys.response';

export class RevokeKeyDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

/** An agent's keys: listed with their public halves, revoked one by one (with every passport bound to the key). */
@Controller('v1/agents/:agentId/keys')
export class AgentKeysRoutes {
  constructor(
    private readonly decisions: Decisions,
    private readonly revocations: Revocations,
  ) {}

  @Get()
  @Allow('admin', 'operator', 'auditor')
  @ApiOkResponse({ type: AgentKeysResponse })
  @ApiOperation({ summary: "List an agent's enrolled keys" })
  async list(@Param('agentId') agentId: string, @CurrentPrincipal() principal: Principal) {
    const agent = await loadAgentOf(this.decisions.repository, operatorOf(principal).tenantId, agentId);
    return { keys: agent.keys.map((k) => ({ key_id: k.keyId, jwk: k.jwk, enrolled_at: k.enrolledAt, status: k.revoked ? 'revoked' : 'active' })) };
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @Allow('admin', 'operator')
  @ApiOkResponse({ type: AgentKeyRevokedResponse })
  @ApiOperation({ summary: "Revoke an agent's key, and every passport bound to it (the kill switch's path)" })
  async revoke(@Param('agentId') agentId: string, @Param('keyId') keyId: string, @Body() body: RevokeKeyDto, @CurrentPrincipal() principal: Principal) {
    const decision = this.decisions.byOperator(principal);
    await loadAgentOf(this.decisions.repository, decision.tenantId, agentId);
    const reason = body.reason ?? 'agent key revoked';
    const revoked = await decision.execute(agentDecider, agentStream(agentId), { type: 'RevokeKey', keyId, reason, now: decision.context.now });
    const passports = await this.revocations.revokeAll({
      tenantId: decision.tenantId,
      agentId,
      boundKey: keyId,
      reason,
      scope: 'key',
      actor: decision.operator.actor,
      correlationId: decision.context.correlationId,
      causationId: revoked.events[0]?.id ?? null,
    });
    return { key_id: keyId, passports_revoked: passports.revoked, position: Math.max(revoked.position, passports.position) };
  }
}
