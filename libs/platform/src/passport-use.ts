import { DomainError, RecordedEvent } from '@mandate/core';
import { MissionCommand, missionDecider, MissionFacts, MissionState, missionStream, RefusalCode } from '@mandate/missions';
import { PROOF_DETAIL } from './agent-proofs';
import { Principal } from './auth';
import { CommandContext } from './command-context';
import { AggregateRepository, Executed } from './repository';

export const REFUSAL_DETAIL: Record<RefusalCode, string> = {
  PASSPORT_REVOKED: 'this passport was revoked',
  PASSPORT_CHECKED_OUT: 'this mission has checked out; its passport can no longer be used',
  PASSPORT_EXPIRED: 'this passport token has expired',
  ...PROOF_DETAIL,
};

type Use = Extract<MissionCommand, { tokenExpiresAt: string }>;
export type PassportUseCommand = Use extends infer U ? (U extends Use ? Omit<U, 'now' | 'tokenExpiresAt'> : never) : never;

export type PassportPrincipal = Extract<Principal, { kind: 'passport' }>;
type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;

/** Routes for tenant keys are guarded already; this narrows the type and refuses anything that slipped through. */
export function operatorOf(principal: Principal): OperatorPrincipal {
  if (principal.kind !== 'operator') throw new DomainError('FORBIDDEN', 'this route needs a tenant key');
  return principal;
}

export function passportOf(principal: Principal, jti?: string): PassportPrincipal {
  if (principal.kind !== 'passport') throw new DomainError('FORBIDDEN', 'this route needs a passport');
  if (jti !== undefined && principal.claims.jti !== jti) {
    throw new DomainError('PASSPORT_MISMATCH', 'the passport presented is not the one in the path');
  }
  return principal;
}

/** The mission command of one use of this passport, now, with the presented token's expiry. */
export function passportUse(passport: PassportPrincipal, now: string, command: PassportUseCommand): Use {
  return { ...command, now, tokenExpiresAt: passport.tokenExpiresAt } as Use;
}

/** A refusal is recorded first and then answered with 401 and its code; a passport nobody issued is not found. */
export function answerUse(passport: PassportPrincipal, executed: Executed<MissionState>): Executed<MissionFacts> {
  const refusal = executed.events.find((e): e is RecordedEvent<'PassportUseRefused', { code: RefusalCode }> => e.type === 'PassportUseRefused');
  if (refusal) {
    throw new DomainError(refusal.data.code, REFUSAL_DETAIL[refusal.data.code], { jti: passport.claims.jti, position: executed.position });
  }
  if (executed.state.status !== 'issued') throw new DomainError('PASSPORT_UNKNOWN', 'passport was not found');
  return { ...executed, state: executed.state };
}

/**
 * One use of a passport, by any service: the mission decides, so a dead passport is refused and remembered the same
 * way everywhere.
 */
export async function usePassport(
  repository: AggregateRepository,
  passport: PassportPrincipal,
  context: CommandContext,
  command: PassportUseCommand,
): Promise<Executed<MissionFacts>> {
  const executed = await repository.execute(missionDecider, missionStream(passport.claims.mission_id), passportUse(passport, context.now, command), context);
  return answerUse(passport, executed);
}
