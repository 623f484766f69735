import { ConfigurationError } from '../errors.js';
import type { CheckpointResponse } from '../generated/openapi.js';

/** Seconds as a number, or a string such as `'250ms'`, `'30s'`, `'5m'`, `'1h'`. */
export type Duration = number | string;

export interface MissionOptions {
  /** What the mission is for, in a sentence (the audit and the intent detector read it). */
  intent: string;
  /** The services the mission may touch: the passport covers these and no other. */
  services: string[];
  /** How often the mission checkpoints (at 0.8 of it, so the leash never runs out between two). Default `'5m'`. */
  checkpointInterval?: Duration;
  /** How long the mission may last at most (60 s to 1 h); the agent's ceiling and the server's default otherwise. */
  ttl?: Duration;
  /** How often logged calls are sent in the background. Default `'1s'`. */
  flushInterval?: Duration;
  /** Called after each checkpoint (the background's and `mission.checkpoint()`'s). */
  onCheckpoint?: (answer: CheckpointResponse) => void;
  /** Cancels opening the mission (and the key's enrollment, on the agent's first run). */
  signal?: AbortSignal;
}

/** The server's shortest checkpoint interval: a shorter one checkpoints that often, the leash stays a minute. */
const SERVER_MIN_INTERVAL_SECONDS = 60;
const SERVER_MAX_SECONDS = 3600;
/** The mission checkpoints at this fraction of the interval, so the leash never runs out between two checkpoints. */
const CHECKPOINT_AT = 0.8;
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** What a mission's options come to, in the units the timers and the server use. */
export interface MissionPlan {
  intent: string;
  services: string[];
  checkpointEveryMs: number;
  serverIntervalSeconds: number;
  ttlSeconds: number | undefined;
  flushEveryMs: number;
  onCheckpoint: ((answer: CheckpointResponse) => void) | undefined;
}

export function seconds(value: Duration): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) throw new ConfigurationError(`not a duration: ${JSON.stringify(value)} (write it like '5m', '30s' or '1h')`);
  return Number(match[1]) * UNITS[match[2] ?? 's']!;
}

export function planOf({ intent, services, checkpointInterval = '5m', ttl, flushInterval = '1s', onCheckpoint }: MissionOptions): MissionPlan {
  if (!Array.isArray(services)) throw new ConfigurationError("services is a list of service names, e.g. services: ['slack']");
  const interval = seconds(checkpointInterval);
  if (!(interval > 0)) throw new ConfigurationError('checkpointInterval must be positive');
  const clamp = (s: number) => Math.max(SERVER_MIN_INTERVAL_SECONDS, Math.min(SERVER_MAX_SECONDS, Math.ceil(s)));
  return {
    intent,
    services: [...services],
    checkpointEveryMs: interval * CHECKPOINT_AT * 1000,
    serverIntervalSeconds: clamp(interval),
    ttlSeconds: ttl === undefined ? undefined : clamp(seconds(ttl)),
    flushEveryMs: seconds(flushInterval) * 1000,
    onCheckpoint,
  };
}
