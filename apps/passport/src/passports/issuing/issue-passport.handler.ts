import { createHash, randomBytes } from 'crypto';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { canonicalJson } from '@mandate/core';
import { MISSION_LIMITS, missionDecider, missionStream } from '@mandate/missions';
import { Decisions, PassportTokens, Principal } from '@mandate/platform';
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
  ) {}

  async execute({ principal, body, idempotencyKey }: IssuePassport) {
    const decision = this.decisions.byOperator(principal);
    const { tenantId, context } = decision;
    const agent = await loadAgentOf(this.decisions.repository, tenantId, body.agent_id);
    const request = {
      agent_id: body.agent_id,
      intent: { summary: body.intent?.summary ?? '', services: body.intent?.services ?? [] },
      ttl_seconds: body.ttl_seconds ?? MISSION_LIMITS.ttlSeconds.default,
      checkpoint_interval_seconds: body.checkpoint_interval_seconds ?? MISSION_LIMITS.checkpointIntervalSeconds.default,
    };
    // With an idempotency key the mission id is derived from it, so a retry lands on the same stream.
    const suffix = idempotencyKey
      ? createHash('sha256').update(`${tenantId}\n${body.agent_id}\n${idempotencyKey}`).digest('base64url').slice(0, 22)
      : randomBytes(16).toString('base64url');
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
        requestFingerprint: createHash('sha256').update(canonicalJson(request)).digest('hex'),
        now: context.now,
      },
    );
    const mission = issued(executed.state);
    return {
      replayed: executed.events.length === 0,
      body: { ...passportView(mission, this.decisions.clock), token: await signPassport(this.tokens, mission, mission.issuedAt), position: executed.position },
    };
  }
}
