import { Clock, DomainError, ID_PATTERNS } from '@mandate/core';
import { missionDecider, MissionFacts, MissionState, missionStream } from '@mandate/missions';
import { AggregateRepository, PassportTokens } from '@mandate/platform';

/** A passport and its mission share one random suffix: `pp_X` is the passport of `msn_X`. */
export const missionIdOf = (jti: string) => `msn_${jti.slice(3)}`;

export function issued(state: MissionState): MissionFacts {
  if (state.status !== 'issued') throw new DomainError('PASSPORT_UNKNOWN', 'passport was not found');
  return state;
}

/** An operator's view of one passport of their tenant; another tenant's passport does not exist for them. */
export async function passportOfTenant(repository: AggregateRepository, tenantId: string, jti: string): Promise<MissionFacts> {
  const notFound = new DomainError('NOT_FOUND', `passport ${jti} was not found`);
  if (!ID_PATTERNS.passport.test(jti)) throw notFound;
  const { state } = await repository.load(missionDecider, missionStream(missionIdOf(jti)));
  if (state.status !== 'issued' || state.tenantId !== tenantId) throw notFound;
  return state;
}

/** The passport token of a mission as it stands at `at`: its leash is the token's exp. */
export function signPassport(tokens: PassportTokens, mission: MissionFacts, at: string): Promise<string> {
  return tokens.sign({
    sub: mission.agentId,
    jti: mission.jti,
    iat: Math.floor(Date.parse(at) / 1000),
    exp: Math.floor(Date.parse(mission.leashExpiresAt) / 1000),
    tid: mission.tenantId,
    mission_id: mission.missionId,
    services: mission.services,
    accountability_mode: mission.accountabilityMode,
    mission_exp: Math.floor(Date.parse(mission.expiresAt) / 1000),
    ...(mission.boundKey ? { cnf: { jkt: mission.boundKey } } : {}),
  });
}

export function passportView(m: MissionFacts, clock: Clock) {
  const now = clock.now().toISOString();
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
    calls_observed: m.callsObserved,
    bound_key: m.boundKey,
    checkpoints: m.checkpoints,
    checked_out: m.checkedOut,
    revoked: m.revoked,
  };
}
