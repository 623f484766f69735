import * as fs from 'fs';
import * as path from 'path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, DomainError, RecordedEvent } from '@mandate/core';
import {
  CLOCK_STREAM,
  clockDecider,
  detect,
  DetectorState,
  Finding,
  findingData,
  findingId,
  findingsDecider,
  findingsStream,
  initialDetectorState,
  silenceDue,
  SYSTEM_TENANT,
} from '@mandate/detectors';
import { EventStore, EventStream, Subscription } from '@mandate/event-store';
import { READ_MODELS, ReadModels } from '@mandate/read-models';
import { AggregateRepository, CLOCK, commandContext, EVENT_STORE, EVENT_STREAM, MANDATE_CONFIG, MandateConfig, revocationOfFinding, RevokeCommands } from '@mandate/platform';

const TICK_CHECK_MS = 1000;
/**
 * The checkpoint reaches its file at most this often: written per batch it cost a tenth of a logging request's time
 * (a write and a rename for each few events, profiled). Acting again on what came after the saved one, after a
 * crash, raises and revokes nothing twice (finding ids are derived from their cause).
 */
const CHECKPOINT_SAVE_MS = 1000;

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
  private checkpointSave: NodeJS.Timeout | null = null;

  constructor(
    private readonly repository: AggregateRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
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
    this.saveCheckpoint();
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

  /** Read-your-writes for findings: waits until the detectors have acted on `position` and the read models hold it. */
  async reach(position: number): Promise<void> {
    if (position > (await this.store.headPosition())) throw new DomainError('POSITION_NOT_WRITTEN', `no write has reached position ${position} yet`);
    const deadline = Date.now() + 10_000;
    while (this.position < position) {
      if (Date.now() > deadline) throw new DomainError('DETECTORS_BEHIND', 'the detectors are catching up; retry shortly');
      await this.handledAfter(position, deadline - Date.now());
    }
    await this.readModels.waitFor(await this.store.headPosition(), 5000);
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
      this.checkpointSave ??= setTimeout(() => this.saveCheckpoint(), CHECKPOINT_SAVE_MS).unref();
    }
  }

  private saveCheckpoint(): void {
    if (this.checkpointSave) clearTimeout(this.checkpointSave);
    this.checkpointSave = null;
    try {
      fs.writeFileSync(`${this.checkpointFile}.tmp`, String(this.checkpoint));
      fs.renameSync(`${this.checkpointFile}.tmp`, this.checkpointFile);
    } catch (error) {
      // Only costs a longer resume: the detectors re-derive their state and act on nothing twice.
      this.logger.warn(`could not save the detectors' checkpoint ${this.checkpoint}: ${String(error)}`);
    }
  }

  private async act(finding: Finding, index: number, cause: RecordedEvent): Promise<void> {
    const id = findingId(finding, index);
    // The finding happened when the event that raised it did: a replay derives the very same event.
    const context = commandContext({ actor: { kind: 'detector', id: finding.signal } }, finding.tenantId, this.clock, {
      at: cause.occurredAt,
      correlationId: cause.correlationId,
      causationId: cause.id,
    });
    await this.repository.execute(findingsDecider, findingsStream(finding.tenantId), { type: 'RaiseFinding', findingId: id, finding: findingData(finding) }, context);
    if (!finding.revoke) return;
    // Applied by the passport service (here, in embedded mode); sent again after a crash, which revokes nothing twice.
    await this.revokeCommands.send({
      ...revocationOfFinding({ findingId: id, tenantId: finding.tenantId, missionId: finding.missionId, signal: finding.signal, detail: finding.detail }),
      jti: finding.jti,
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
      const context = commandContext({ actor: { kind: 'system', id: 'clock' } }, SYSTEM_TENANT, this.clock, { at: now });
      await this.repository.execute(clockDecider, CLOCK_STREAM, { type: 'Tick', now }, context);
    } catch (error) {
      this.logger.error(`clock tick failed: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }
}
