import { randomUUID } from 'crypto';
import { DomainError } from '@mandate/core';
import { MissionCommand, missionDecider, MissionFacts, missionStream, RefusalCode } from '@mandate/missions';
import { Principal } from './auth';
import { AggregateRepository, Executed } from './repository';

const REFUSAL_DETAIL: Record<RefusalCode, string> = {
  PASSPORT_REVOKED: 'this passport was revoked',
  PASSPORT_CHECKED_OUT: 'this mission has checked out; its passport can no longer be used',
  PASSPORT_EXPIRED: 'this passport token has expired',
};

type Use = Extract<MissionCommand, { tokenExpiresAt: string }>;
export type PassportUseCommand = Use extends infer U ? (U extends Use ? Omit<U, 'now' | 'tokenExpiresAt'> : never) : never;

type PassportPrincipal = Extract<Principal, { kind: 'passport' }>;
type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;

/** Routes for tenant keys are guarded already; this narrows the type and refuses anything that slipped through. */
export function operatorOf(principal: Principal): OperatorPrincipal {
  if (principal.kind !== 'operator') throw new DomainError('FORBIDDEN', 'this route needs a tenant key', 403);
  return principal;
}

export function passportOf(principal: Principal, jti?: string): PassportPrincipal {
  if (principal.kind !== 'passport') throw new DomainError('FORBIDDEN', 'this route needs a passport', 403);
  if (jti !== undefined && principal.claims.jti !== jti) {
    throw new DomainError('PASSPORT_MISMATCH', 'the passport presented is not the one in the path', 403);
  }
  return principal;
}

/**
 * One use of a passport, by any service: the mission decides, a refusal is recorded first and then answered with
 * 401 and its code, so a dead passport is refused and remembered the same way everywhere.
 */
export async function usePassport(
  repository: AggregateRepository,
  passport: PassportPrincipal,
  now: string,
  command: PassportUseCommand,
): Promise<Executed<MissionFacts>> {
  const executed = await repository.execute(
    missionDecider,
    missionStream(passport.claims.mission_id),
    { ...command, now, tokenExpiresAt: passport.tokenExpiresAt } as Use,
    { tenantId: passport.claims.tid, actor: passport.actor, now, correlationId: randomUUID() },
  );
  const refusal = executed.events.find((e) => e.type === 'PassportUseRefused');
  if (refusal) {
    const code = (refusal.data as { code: RefusalCode }).code;
    throw new DomainError(code, REFUSAL_DETAIL[code], 401, { jti: passport.claims.jti, position: executed.position });
  }
  if (executed.state.status !== 'issued') throw new DomainError('PASSPORT_UNKNOWN', 'passport was not found', 404);
  return { ...executed, state: executed.state };
}
