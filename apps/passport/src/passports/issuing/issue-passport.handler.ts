import { randomBytes } from 'crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Inject } from '@nestjs/common';
import { canonicalJson, DomainError } from '@mandate/core';
import { activeKeyOf, agentDecider, agentStream, ceilingExceeded, RegisteredAgent } from '@mandate/agents';
import { EventStore } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { MISSION_LIMITS, missionDecider, missionStream } from '@mandate/missions';
import { catchUp, Decision, Decisions, EVENT_STORE, idempotentSuffix, PassportTokens, Principal, requestFingerprint, TenantStates } from '@mandate/platform';
import { loadAgentOf } from '../../agents/agent-access';
import { issued, passportView, signPassport } from '../passport-view';
import { IssuePassportDto } from './issue-passport.dto';

export class IssuePassport {
  constructor(readonly principal: Principal, readonly body: IssuePassportDto, readonly idempotencyKey: string | null) {}
}

/** Opens a mission and issues its passport; with an idempotency key a retry gets the mission it already opened. */
@CommandHandler(IssuePassport)
export class IssuePassportHandler implements ICommandHandler<IssuePassport> {
  constructor(
    private readonly decisions: Decisions,
    private readonly tokens: PassportTokens,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly tenants: TenantStates,
  ) {}

  async execute({ principal, body, idempotencyKey }: IssuePassport) {
    const decision = principal.kind === 'agent' ? this.decisions.by(principal, principal.tenantId) : this.decisions.byOperator(principal);
    const { tenantId, context } = decision;
    const agent = await loadAgentOf(this.decisions.repository, tenantId, body.agent_id);
    const boundKey = principal.kind === 'agent' ? await this.withinCeiling(principal, agent, body, decision) : this.operatorBinding(agent, body);
    if (!boundKey && (await this.tenants.facts(tenantId)).boundPassportsRequired) {
      throw new DomainError('VALIDATION_FAILED', "this tenant requires passports bound to an agent key: name one of the agent's keys in bind_to_key", {
        errors: [{ field: 'bind_to_key', problems: ['is required: this tenant requires bound passports'] }],
      });
    }
    const request = {
      agent_id: body.agent_id,
      intent: { summary: body.intent?.summary ?? '', services: body.intent?.services ?? [] },
      ttl_seconds: body.ttl_seconds ?? MISSION_LIMITS.ttlSeconds.default,
      checkpoint_interval_seconds: body.checkpoint_interval_seconds ?? MISSION_LIMITS.checkpointIntervalSeconds.default,
    };
    // With an idempotency key the mission id is derived from it, so a retry lands on the same stream.
    const suffix = idempotencyKey ? idempotentSuffix(tenantId, body.agent_id, idempotencyKey) : randomBytes(16).toString('base64url');
    const executed = await decision.execute(
      missionDecider,
      missionStream(`msn_${suffix}`),
      {
        type: 'IssuePassport',
        missionId: `msn_${suffix}`,
        jti: `pp_${suffix}`,
        tenantId,
        agent: { agentId: agent.agentId, accountabilityMode: agent.accountabilityMode, suspended: agent.suspended },
        intent: request.intent,
        ttlSeconds: request.ttl_seconds,
        checkpointIntervalSeconds: request.checkpoint_interval_seconds,
        idempotencyKey,
        requestFingerprint: requestFingerprint(canonicalJson(request)),
        ...(boundKey ? { boundKey } : {}),
        ...(principal.kind === 'agent' ? { openedBy: 'agent' as const } : {}),
        now: context.now,
      },
    );
    const mission = issued(executed.state);
    return {
      replayed: executed.events.length === 0,
      body: { ...passportView(mission, this.decisions.clock), token: await signPassport(this.tokens, mission, mission.issuedAt), position: executed.position },
    };
  }

  /**
   * A mission the agent opens itself: for itself only, within the ceiling an operator set (services, TTL, missions at
   * once), bound to the key it authenticated with. Asking for more is refused 403 AGENT_CEILING_EXCEEDED and recorded.
   */
  private async withinCeiling(principal: Extract<Principal, { kind: 'agent' }>, agent: RegisteredAgent, body: IssuePassportDto, decision: Decision): Promise<string> {
    if (agent.agentId !== principal.agentId) throw new DomainError('FORBIDDEN', 'an agent opens missions for itself only');
    const services = [...new Set(body.intent?.services ?? [])];
    const ttlSeconds = body.ttl_seconds ?? MISSION_LIMITS.ttlSeconds.default;
    const openMissions = await this.openMissions(principal.tenantId, agent.agentId);
    const exceeded = ceilingExceeded(agent, { services, ttlSeconds, openMissions });
    if (exceeded.length === 0) return principal.keyId;
    const refused = await decision.execute(agentDecider, agentStream(agent.agentId), { type: 'RefuseMission', keyId: principal.keyId, exceeded, requested: { services, ttlSeconds }, now: decision.context.now });
    throw new DomainError('AGENT_CEILING_EXCEEDED', `this mission is above the agent's ceiling (${exceeded.join(', ')})`, { exceeded, position: refused.position });
  }

  /** The agent's missions that could still be used, from the read models once they hold every write so far. */
  private async openMissions(tenantId: string, agentId: string): Promise<number> {
    await catchUp(this.store, this.readModels);
    return (await this.readModels.revocablePassports(tenantId, this.decisions.clock.now().toISOString(), agentId)).length;
  }

  /** An operator may bind the passport to one of the agent's active keys; a tenant that requires it must. */
  private operatorBinding(agent: RegisteredAgent, body: IssuePassportDto): string | null {
    if (body.bind_to_key === undefined) return null;
    if (!activeKeyOf(agent, body.bind_to_key)) throw new DomainError('AGENT_KEY_NOT_FOUND', `agent ${agent.agentId} has no active key ${body.bind_to_key}`);
    return body.bind_to_key;
  }
}
