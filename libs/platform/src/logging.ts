import { randomUUID } from 'crypto';
import { DestinationStream, Logger, pino } from 'pino';

/** LOG_LEVEL speaks NestJS's names; pino calls `log` `info`. */
export const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' } as const;
export type LogLevel = keyof typeof PINO_LEVELS;

export function parseLogLevel(raw: string | undefined): LogLevel {
  const level = raw || 'log';
  if (!Object.hasOwn(PINO_LEVELS, level)) throw new Error('LOG_LEVEL must be error, warn, log or debug');
  return level as LogLevel;
}

/** Where a secret sits in a structured entry: request headers, and any field named for one, at the top or one level down. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['authorization', 'cookie', 'token', 'secret', 'password', 'adminKey', 'key'].flatMap((field) => [field, `*.${field}`]),
];

/** Operator keys (`mdt.<tenant>.<key id>.<secret>`), generated admin keys and passports (JWTs), wherever a message puts them. */
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\b(mdt\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.)[A-Za-z0-9_-]+/g, '$1[redacted]'],
  [/\bmdt_admin\.[A-Za-z0-9_~+/=.-]+/g, 'mdt_admin.[redacted]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted token]'],
];

/** The last check before a line is written: a secret that slipped into a message or an unlisted field is masked. */
export function maskSecrets(line: string): string {
  if (!line.includes('mdt') && !line.includes('eyJ')) return line;
  return SECRET_SHAPES.reduce((masked, [shape, replacement]) => masked.replace(shape, replacement), line);
}

/** One JSON line per entry for every Mandate process (the front door too, so this file imports no NestJS). */
export function createLogger(service: string, level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level: PINO_LEVELS[level],
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than numbers: what log collectors and people read without a table.
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: maskSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A client's id is kept when it is short and plain (so it cannot forge log structure); any other gets a fresh one. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}
