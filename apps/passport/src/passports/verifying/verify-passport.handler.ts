import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@mandate/core';
import { missionDecider, MissionState, missionStream, PassportStateRefusal, refusalOf } from '@mandate/missions';
import { Decisions, PassportTokens, TenantStates } from '@mandate/platform';
import { issued } from '../passport-view';

const VERIFY_REASON: Record<PassportStateRefusal, string> = { PASSPORT_REVOKED: 'revoked', PASSPORT_CHECKED_OUT: 'checked_out', PASSPORT_EXPIRED: 'expired' };

export class VerifyPassport {
  constructor(readonly token: string) {}
}

/**
 * Introspection (RFC 7662 semantics): is this token active now. A verify of a dead passport is a use the detectors
 * must see, so it goes through the mission like any other use (the first refusal of each kind is recorded).
 */
@CommandHandler(VerifyPassport)
export class VerifyPassportHandler implements ICommandHandler<VerifyPassport> {
  constructor(
    private readonly decisions: Decisions,
    private readonly tokens: PassportTokens,
    private readonly tenants: TenantStates,
  ) {}

  async execute({ token }: VerifyPassport) {
    const verified = await this.tokens.verify(token);
    if (!verified) return { active: false, reason: 'invalid' };
    const { claims, tokenExpiresAt } = verified;
    if ((await this.tenants.facts(claims.tid)).disabled) return { active: false, reason: 'tenant_disabled', jti: claims.jti };
    const decision = this.decisions.by({ actor: { kind: 'passport', id: claims.jti } }, claims.tid, { correlationId: claims.jti });
    const { context } = decision;
    const executed = await decision
      .execute(
        missionDecider,
        missionStream(claims.mission_id),
        (state: MissionState) => {
          if (state.status !== 'issued' || state.tenantId !== claims.tid) throw new DomainError('PASSPORT_UNKNOWN', 'unknown passport');
          return { type: 'VerifyPassport', now: context.now, tokenExpiresAt } as const;
        },
      )
      .catch((error) => {
        if (error instanceof DomainError && error.code === 'PASSPORT_UNKNOWN') return null;
        throw error;
      });
    if (!executed) return { active: false, reason: 'unknown' };
    const refusal = refusalOf(issued(executed.state), context.now, tokenExpiresAt);
    if (refusal) return { active: false, reason: VERIFY_REASON[refusal], jti: claims.jti };
    return { active: true, claims, expires_at: tokenExpiresAt, ...(claims.cnf ? { cnf: claims.cnf } : {}) };
  }
}
