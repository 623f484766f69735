import { Inject, Injectable } from '@nestjs/common';
import { Clock, DomainError } from '@mandate/core';
import { activeKeyOf, agentDecider, agentStream } from '@mandate/agents';
import { missionDecider, missionStream, PassportOperation, RefusalAlreadyRecorded } from '@mandate/missions';
import { checkDpopProof, PROOF_DETAIL, ProofRefusal, ReplayCache } from './agent-proofs';
import { commandContext } from './command-context';
import { MANDATE_CONFIG, MandateConfig } from './config';
import { PassportPrincipal } from './passport-use';
import { RefusalTally } from './refusal-tally';
import { AggregateRepository } from './repository';
import { CLOCK } from './tokens';

/** Which use of the passport a route is, for the refusal's record (the routes a passport may call). */
const OPERATION_BY_ROUTE: ReadonlyArray<[RegExp, PassportOperation]> = [
  [/\/actions$/, 'tool_call'],
  [/\/checkpoint$/, 'checkpoint'],
  [/\/checkout$/, 'checkout'],
  [/\/consume$/, 'approval'],
  [/^\/v1\/proxy$/, 'proxy'],
  [/^\/v1\/intents/, 'intent'],
];

interface ProofRequest {
  method: string;
  url: string;
  protocol: string;
  host: string;
  headers: Record<string, string | string[] | undefined>;
  routeOptions?: { url?: string };
}

/**
 * Sender-constrained passports (DPoP, RFC 9449): a passport bound to an agent key (`cnf.jkt`) is accepted only with a
 * proof signed by that key for this very request, once. A refused proof is a security fact: it is recorded as a
 * refused use of the passport (once per kind and minute, like every refusal) and answered 401 with the DPoP challenge.
 */
@Injectable()
export class ProofOfPossession {
  private readonly replays = new ReplayCache();
  /** Where agents may address this server from besides the request's own host: the issuer, read once. */
  private readonly issuerOrigin: string;

  constructor(
    private readonly repository: AggregateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MANDATE_CONFIG) config: MandateConfig,
    private readonly refusals: RefusalTally,
  ) {
    this.issuerOrigin = new URL(config.issuer).origin;
  }

  /** A bearer passport where the tenant requires bound ones: refused and recorded like a missing proof. */
  async refuseUnbound(request: ProofRequest, passport: PassportPrincipal): Promise<never> {
    const path = request.url.split('?')[0];
    const position = await this.record(passport, operationOf(request.routeOptions?.url ?? path), 'BOUND_PASSPORT_REQUIRED');
    throw new DomainError('BOUND_PASSPORT_REQUIRED', PROOF_DETAIL.BOUND_PASSPORT_REQUIRED, { jti: passport.claims.jti, position });
  }

  async check(request: ProofRequest, passport: PassportPrincipal): Promise<void> {
    const jkt = passport.claims.cnf!.jkt;
    const path = request.url.split('?')[0];
    const proof = [request.headers.dpop].flat()[0];
    let refusal: ProofRefusal | null = await checkDpopProof(
      proof,
      {
        method: request.method,
        // The URL the agent used: as it reached this process (the front door passes its host on), or the issuer's.
        urls: [`${request.protocol}://${request.host}${path}`, `${this.issuerOrigin}${path}`],
        accessToken: passport.token,
        jkt,
        nowMs: this.clock.now().getTime(),
      },
      this.replays,
    );
    if (!refusal) {
      // The key must still be the agent's: revoking it ends its passports, and this refuses them even before that lands.
      const { state } = await this.repository.load(agentDecider, agentStream(passport.claims.sub));
      if (state.status !== 'registered' || !activeKeyOf(state, jkt)) refusal = 'DPOP_KEY_REVOKED';
    }
    if (!refusal) return;
    const position = await this.record(passport, operationOf(request.routeOptions?.url ?? path), refusal);
    throw new DomainError(refusal, PROOF_DETAIL[refusal], { jti: passport.claims.jti, position });
  }

  private async record(passport: PassportPrincipal, operation: PassportOperation, code: ProofRefusal): Promise<number> {
    const context = commandContext(passport, passport.claims.tid, this.clock);
    try {
      const executed = await this.repository.execute(
        missionDecider,
        missionStream(passport.claims.mission_id),
        { type: 'RefuseUse', operation, code, services: [], now: context.now },
        context,
      );
      return executed.position;
    } catch (error) {
      // The kind is already recorded in its window: counted with the others, answered the same.
      if (error instanceof RefusalAlreadyRecorded) return this.refusals.answer(error);
      throw error;
    }
  }
}

function operationOf(route: string): PassportOperation {
  return OPERATION_BY_ROUTE.find(([pattern]) => pattern.test(route))?.[1] ?? 'verify';
}
