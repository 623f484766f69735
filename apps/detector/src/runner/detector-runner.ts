import * as fs from 'fs';
import * as path from 'path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, CURRENT_SCHEMA_VERSION, newEventId, RecordedEvent } from '@mandate/core';
import { detect, DetectorState, Finding, findingData, findingId, initialDetectorState, silenceDue } from '@mandate/detectors';
import { EventStore, EventStream, Subscription } from '@mandate/event-store';
import { CLOCK, EVENT_STORE, EVENT_STREAM, MANDATE_CONFIG, MandateConfig, RevokeCommands } from '@mandate/platform';

export const SYSTEM_TENANT = '_system';
const TICK_CHECK_MS = 1000;

/**
 * Runs every detector over the shared stream. On start it folds the history it has already handled (findings there
 * were already raised) and then acts on what comes after its checkpoint: it records each finding and, for enforced
 * agents, orders a revocation that the passport service applies through its own decider (idempotent). Findings have ids derived from the event that
 * raised them, so a crash between acting and saving the checkpoint raises nothing twice.
 */
@Injectable()
export class DetectorRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('detectors');
  private state: DetectorState = initialDetectorState();
  private subscription: Subscription | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private positionWaiters: Array<{ position: number; wake: () => void }> = [];
  private readonly checkpointFile: string;
  private checkpoint: number;
  private position = 0;
  private ticking = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(EVENT_STREAM) private readonly stream: EventStream,
    private readonly revokeCommands: RevokeCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MANDATE_CONFIG) config: MandateConfig,
  ) {
    this.checkpointFile = path.join(config.dataDir, 'detectors.checkpoint');
    this.checkpoint = fs.existsSync(this.checkpointFile) ? Number(fs.readFileSync(this.checkpointFile, 'utf8')) || 0 : 0;
  }

  onApplicationBootstrap(): void {
    this.logger.log(`detectors resume after position ${this.checkpoint}`);
    this.subscription = this.stream.subscribe('detectors', 0, (events) => this.handle(events));
    this.ticker = setInterval(() => void this.tickIfDue(), TICK_CHECK_MS);
    this.ticker.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.subscription?.stop();
  }

  /** Position of the last event every detector has handled: what a reader waits for to see a finding. */
  get handledPosition(): number {
    return this.position;
  }

  /** Resolves once the detectors have handled `position` (and acted on it), or after the timeout. */
  handledAfter(position: number, timeoutMs: number): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { position, wake: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.positionWaiters = this.positionWaiters.filter((w) => w !== waiter);
        resolve();
      }, Math.max(0, timeoutMs));
      this.positionWaiters.push(waiter);
    });
  }

  private async handle(events: RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const findings = detect(this.state, event);
      if (event.position > this.checkpoint) {
        for (const [index, finding] of findings.entries()) await this.act(finding, index, event);
      }
      this.position = event.position;
    }
    const woken = this.positionWaiters.filter((w) => w.position <= this.position);
    this.positionWaiters = this.positionWaiters.filter((w) => w.position > this.position);
    woken.forEach((w) => w.wake());
    const last = events[events.length - 1].position;
    if (last > this.checkpoint) {
      this.checkpoint = last;
      fs.writeFileSync(`${this.checkpointFile}.tmp`, String(last));
      fs.renameSync(`${this.checkpointFile}.tmp`, this.checkpointFile);
    }
  }

  private async act(finding: Finding, index: number, cause: RecordedEvent): Promise<void> {
    const id = findingId(finding, index);
    const actor = { kind: 'detector' as const, id: finding.signal };
    // The finding happened when the event that raised it did: a replay derives the very same event.
    await this.store.append(
      `security-${finding.tenantId}`,
      [
        {
          id,
          type: 'SecurityEventRaised',
          schemaVersion: CURRENT_SCHEMA_VERSION,
          tenantId: finding.tenantId,
          occurredAt: cause.occurredAt,
          actor,
          causationId: cause.id,
          correlationId: cause.correlationId,
          data: findingData(finding),
        },
      ],
      'any',
    );
    if (!finding.revoke) return;
    // Applied by the passport service (here, in embedded mode); sent again after a crash, which revokes nothing twice.
    await this.revokeCommands.send({
      tenantId: finding.tenantId, missionId: finding.missionId, jti: finding.jti,
      reason: `detector ${finding.signal}: ${finding.detail}`, actor, correlationId: cause.correlationId, causationId: id,
    });
    this.logger.warn(`revoking ${finding.jti} (${finding.signal}, ${finding.severity}): ${finding.detail}`);
  }

  /** Time reaches the detectors as a recorded tick, and only when some mission's checkpoint deadline has passed. */
  private async tickIfDue(): Promise<void> {
    if (this.ticking) return;
    const now = this.clock.now().toISOString();
    if (!silenceDue(this.state, now)) return;
    this.ticking = true;
    try {
      await this.store.append(
        'clock',
        [{ id: newEventId(), type: 'ClockTicked', schemaVersion: CURRENT_SCHEMA_VERSION, tenantId: SYSTEM_TENANT, occurredAt: now, actor: { kind: 'system', id: 'clock' }, causationId: null, correlationId: newEventId(), data: { at: now } }],
        'any',
      );
    } catch (error) {
      this.logger.error(`clock tick failed: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }
}
