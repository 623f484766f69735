import { randomUUID } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, Clock, DomainError } from '@mandate/core';
import { EventStore } from '@mandate/event-store';
import { missionDecider, MissionState, missionStream, RevocationScope } from '@mandate/missions';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { commandContext } from './command-context';
import { AggregateRepository, Executed } from './repository';
import { CLOCK, EVENT_STORE } from './tokens';

const CATCH_UP_TIMEOUT_MS = 10_000;

/** An order to end one passport before its time, from whoever asks: the ids say which request or fact caused it. */
export interface RevocationOrder {
  tenantId: string;
  missionId: string;
  reason: string;
  scope: RevocationScope;
  actor: Actor;
  correlationId?: string;
  causationId?: string | null;
}

/** The finding that asks for a revocation, as any process learns of it (the finding event, or its read model). */
export interface RevokingFinding {
  findingId: string;
  tenantId: string;
  missionId: string;
  signal: string;
  detail: string;
}

/**
 * A detector's revocation, however it arrives (the revoke command, or the finding read back by the passport service
 * after a restart): the finding starts the correlation, so the stored PassportRevoked is the same whichever came first.
 */
export function revocationOfFinding(finding: RevokingFinding): RevocationOrder & { correlationId: string; causationId: string } {
  return {
    tenantId: finding.tenantId,
    missionId: finding.missionId,
    reason: `detector ${finding.signal}: ${finding.detail}`,
    scope: 'passport',
    actor: { kind: 'detector', id: finding.signal },
    correlationId: finding.findingId,
    causationId: finding.findingId,
  };
}

/** Waits until the read models hold everything committed so far, so a passport issued a moment ago is not missed. */
export async function catchUp(store: EventStore, readModels: ReadModels): Promise<void> {
  const head = await store.headPosition();
  if (!(await readModels.waitFor(head, CATCH_UP_TIMEOUT_MS))) {
    throw new DomainError('READ_MODELS_BEHIND', 'the read models are catching up; retry shortly');
  }
}

/**
 * The one way a passport gets revoked: the operator kill switch (one passport, an agent, the tenant), a suspension, a
 * rejected intent, a detector's finding and a revoke command from another process all end here, in the mission
 * decider, where revoking a revoked passport changes nothing.
 */
@Injectable()
export class Revocations {
  constructor(
    private readonly repository: AggregateRepository,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  revoke(order: RevocationOrder): Promise<Executed<MissionState>> {
    const context = commandContext(order, order.tenantId, this.clock, order);
    return this.repository.execute(
      missionDecider,
      missionStream(order.missionId),
      { type: 'RevokePassport', reason: order.reason, scope: order.scope, now: context.now },
      context,
    );
  }

  /** Every passport of an agent, or of the whole tenant, that could still be used. */
  async revokeAll(order: Omit<RevocationOrder, 'missionId' | 'scope'> & { scope: 'agent' | 'tenant' | 'key'; agentId?: string; boundKey?: string }) {
    await catchUp(this.store, this.readModels);
    // One kill switch, one correlation: every revocation it causes reads as part of the same request.
    const correlationId = order.correlationId ?? randomUUID();
    const targets = await this.readModels.revocablePassports(order.tenantId, this.clock.now().toISOString(), order.agentId);
    let position = await this.store.headPosition();
    const revoked: string[] = [];
    for (const target of targets) {
      // A revoked agent key ends the passports bound to it, and only those.
      if (order.boundKey !== undefined) {
        const mission = (await this.repository.load(missionDecider, missionStream(target.missionId))).state;
        if (mission.status !== 'issued' || mission.boundKey !== order.boundKey) continue;
      }
      const result = await this.revoke({ ...order, correlationId, missionId: target.missionId });
      if (result.events.length > 0) revoked.push(target.jti);
      position = Math.max(position, result.position);
    }
    return { revoked: revoked.length, jtis: revoked, position };
  }
}
