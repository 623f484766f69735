import * as path from 'path';

/** Every setting Mandate reads, in one place. The README's settings table mirrors this file. */
export interface MandateConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Instance admin key for creating tenants; generated into the data dir on first start when unset. */
  adminKey: string | null;
  /** `iss` of passports and the base of the OIDC discovery document. */
  issuer: string;
  bodyLimitBytes: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MandateConfig {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const logLevel = (env.LOG_LEVEL || 'log') as MandateConfig['logLevel'];
  if (!['error', 'warn', 'log', 'debug'].includes(logLevel)) throw new Error(`LOG_LEVEL must be error, warn, log or debug`);
  return {
    port,
    host,
    dataDir: path.resolve(env.MANDATE_DATA_DIR || './data'),
    adminKey: env.MANDATE_ADMIN_KEY || null,
    issuer: (env.MANDATE_ISSUER || `http://localhost:${port}`).replace(/\/$/, ''),
    bodyLimitBytes: integer(env, 'MANDATE_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    logLevel,
  };
}

export const MANDATE_CONFIG = Symbol('MANDATE_CONFIG');
