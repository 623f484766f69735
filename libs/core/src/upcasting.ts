import { CURRENT_SCHEMA_VERSION, RecordedEvent } from './event';

/**
 * Reads one event type stored at `fromVersion` as its shape at `fromVersion + 1`. Pure: the stored text never
 * changes (the chain is taken over it), only what readers see.
 */
export interface Upcaster<From = unknown, To = unknown> {
  readonly type: string;
  readonly fromVersion: number;
  /** `stored` is the envelope as written, for what an older shape lacks (its `occurredAt`, its actor). */
  upcast(data: From, stored: RecordedEvent): To;
}

/** Upcasters by event type and the schemaVersion they upgrade from. */
export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  /** Returns the function that removes it again. */
  register(upcaster: Upcaster): () => void {
    const { type, fromVersion } = upcaster;
    const versions = this.byType.get(type) ?? new Map<number, Upcaster>();
    if (versions.has(fromVersion)) throw new Error(`an upcaster of ${type} from schemaVersion ${fromVersion} is already registered`);
    versions.set(fromVersion, upcaster);
    this.byType.set(type, versions);
    return () => {
      if (versions.get(fromVersion) !== upcaster) return;
      versions.delete(fromVersion);
      if (versions.size === 0) this.byType.delete(type);
    };
  }

  /** The schemaVersion a new event of this type is written at: the one its upcasters lead to. */
  currentVersion(type: string): number {
    const versions = this.byType.get(type);
    return versions ? Math.max(CURRENT_SCHEMA_VERSION, ...[...versions.keys()].map((v) => v + 1)) : CURRENT_SCHEMA_VERSION;
  }

  /** The event in its current shape: every upcaster from its stored version on, in turn; the event itself if none applies. */
  upcast(event: RecordedEvent): RecordedEvent {
    const versions = this.byType.get(event.type);
    if (!versions) return event;
    let { schemaVersion, data } = event;
    for (let step = versions.get(schemaVersion); step; step = versions.get(++schemaVersion)) data = step.upcast(data, event);
    return schemaVersion === event.schemaVersion ? event : { ...event, schemaVersion, data };
  }
}

/** The registry every stored event is read through; the lib that owns an event type registers its older shapes here. */
export const upcasters = new UpcasterRegistry();
