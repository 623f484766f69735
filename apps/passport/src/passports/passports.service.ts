import { createHash, randomBytes } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import { canonicalJson, Clock, DomainError } from '@mandate/core';
import { MISSION_LIMITS, missionDecider, MissionFacts, missionStream, RefusalCode, refusalOf } from '@mandate/missions';
import { AggregateRepository, CLOCK, Executed, PassportTokens, PassportUseCommand, passportOf, Principal, usePassport } from '@mandate/platform';
import { loadAgentOf } from '../agents/agents.controller';
import { contextOf, operatorOf } from '../principal';
import { IssuePassportDto } from './passports.dto';
import { MissionState } from '@mandate/missions';

const JTI = /^pp_[A-Za-z0-9_-]{16,64}$/;

const VERIFY_REASON: Record<RefusalCode, string> = { PASSPORT_REVOKED: 'revoked', PASSPORT_CHECKED_OUT: 'checked_out', PASSPORT_EXPIRED: 'expired' };

/** A passport and its mission share one random suffix: `pp_X` is the passport of `msn_X`. */
export const missionIdOf = (jti: string) => `msn_${jti.slice(3)}`;

@Injectable()
export class PassportsService {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly tokens: PassportTokens,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(principal: Principal, body: IssuePassportDto, idempotencyKey: string | null) {
    const { tenantId } = operatorOf(principal);
    const agent = await loadAgentOf(this.repository, tenantId, body.agent_id);
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
    const context = contextOf(principal, tenantId, this.clock);
    const executed = await this.repository.execute(missionDecider, missionStream(`msn_${suffix}`), {
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
    }, context);
    const mission = issued(executed.state);
    return {
      replayed: executed.events.length === 0,
      body: { ...(await this.passportView(mission)), token: await this.sign(mission, mission.issuedAt), position: executed.position },
    };
  }

  /** Runs one use of a passport; a refusal is recorded first and then answered with 401 and its code. */
  use(principal: Principal, jti: string, command: PassportUseCommand): Promise<Executed<MissionFacts>> {
    return usePassport(this.repository, passportOf(principal, jti), this.clock.now().toISOString(), command);
  }

  async verify(token: string) {
    const verified = await this.tokens.verify(token);
    if (!verified) return { active: false, reason: 'invalid' };
    const { claims, tokenExpiresAt } = verified;
    const now = this.clock.now().toISOString();
    const context = { tenantId: claims.tid, actor: { kind: 'passport' as const, id: claims.jti }, now, correlationId: claims.jti };
    const executed = await this.repository.execute(
      missionDecider,
      missionStream(claims.mission_id),
      (state: MissionState) => {
        if (state.status !== 'issued' || state.tenantId !== claims.tid) throw new DomainError('PASSPORT_UNKNOWN', 'unknown passport', 404);
        return { type: 'VerifyPassport', now, tokenExpiresAt } as const;
      },
      context,
    ).catch((error) => {
      if (error instanceof DomainError && error.code === 'PASSPORT_UNKNOWN') return null;
      throw error;
    });
    if (!executed) return { active: false, reason: 'unknown' };
    const refusal = refusalOf(issued(executed.state), now, tokenExpiresAt);
    if (refusal) return { active: false, reason: VERIFY_REASON[refusal], jti: claims.jti };
    return { active: true, claims, expires_at: tokenExpiresAt };
  }

  /** An operator's view of one passport of their tenant; another tenant's passport does not exist for them. */
  async get(principal: Principal, jti: string): Promise<MissionFacts> {
    const { tenantId } = operatorOf(principal);
    const notFound = new DomainError('NOT_FOUND', `passport ${jti} was not found`, 404);
    if (!JTI.test(jti)) throw notFound;
    const { state } = await this.repository.load(missionDecider, missionStream(missionIdOf(jti)));
    if (state.status !== 'issued' || state.tenantId !== tenantId) throw notFound;
    return state;
  }

  sign(mission: MissionFacts, at: string): Promise<string> {
    return this.tokens.sign({
      sub: mission.agentId,
      jti: mission.jti,
      iat: Math.floor(Date.parse(at) / 1000),
      exp: Math.floor(Date.parse(mission.leashExpiresAt) / 1000),
      tid: mission.tenantId,
      mission_id: mission.missionId,
      services: mission.services,
      accountability_mode: mission.accountabilityMode,
      mission_exp: Math.floor(Date.parse(mission.expiresAt) / 1000),
    });
  }

  async passportView(m: MissionFacts) {
    const now = this.clock.now().toISOString();
    const status = m.revoked ? 'revoked' : m.checkedOut ? 'checked_out' : now >= m.expiresAt ? 'expired' : 'active';
    return {
      jti: m.jti,
      mission_id: m.missionId,
      agent_id: m.agentId,
      status,
      accountability_mode: m.accountabilityMode,
      intent: { summary: m.summary, services: m.services },
      issued_at: m.issuedAt,
      expires_at: m.leashExpiresAt,
      mission_expires_at: m.expiresAt,
      checkpoint_interval_seconds: m.checkpointIntervalSeconds,
      checkpoint_due_at: m.checkpointDueAt,
      actions_logged: m.actionsLogged,
      checkpoints: m.checkpoints,
      checked_out: m.checkedOut,
      revoked: m.revoked,
    };
  }
}

function issued(state: MissionState): MissionFacts {
  if (state.status !== 'issued') throw new DomainError('PASSPORT_UNKNOWN', 'passport was not found', 404);
  return state;
}
