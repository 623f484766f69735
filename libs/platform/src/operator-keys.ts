import * as fs from 'fs';
import * as path from 'path';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { Logger } from '@nestjs/common';
import { legacyKeyHashOf } from '@mandate/core';
import { EventStore, KeyVerifierStore } from '@mandate/event-store';
import { OperatorKey } from '@mandate/tenancy';
import { createOnce } from './passport-tokens';

const PEPPER_FILE = 'key-pepper';
const PEPPER_CHECK = 'mandate operator key pepper check v1';
const MAX_REMEMBERED = 100_000;

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The server secret operator key verifiers are keyed with: MANDATE_KEY_PEPPER, or generated once into a 0600 file in
 * the keys directory (beside the signing key, shared the same way). Never logged: the log only says where it is.
 */
export function keyPepper(keysDir: string, configured: string | null, logger = new Logger('auth')): Buffer {
  if (configured) {
    if (configured.length < 32) throw new Error('MANDATE_KEY_PEPPER must be at least 32 characters');
    return Buffer.from(configured, 'utf8');
  }
  const file = path.join(keysDir, PEPPER_FILE);
  if (!fs.existsSync(file)) {
    if (createOnce(file, randomBytes(32).toString('base64url') + '\n')) logger.warn(`Generated the operator key pepper into ${file} (mode 0600); back it up with the signing key`);
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}

/**
 * What the server keeps of an operator key: HMAC-SHA256(pepper, sha256(secret)). Release 0.1 kept sha256(secret) in
 * the key's event; the same formula over that hash keys it without ever knowing the secret, so every key, old or new,
 * is checked one way.
 */
export const operatorKeyVerifier = (pepper: Buffer, secretHash: string) => createHmac('sha256', pepper).update(secretHash).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Issues operator keys and checks presented ones against the verifier store. A key's verifier is kept before its
 * event is appended: a key never works without its event, and an event without a verifier only names a key that
 * cannot authenticate (fails closed). Revocation stays an event, read from the tenant's state.
 */
export class OperatorKeys {
  /** Verifiers never change once kept, so a process remembers them (and the keys found to have none). */
  private readonly remembered = new Map<string, string | null>();

  private constructor(
    private readonly pepper: Buffer,
    private readonly verifiers: KeyVerifierStore,
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Refuses to start with a pepper other than the one the store's verifiers were made with: every operator key would
   * fail, so an operator is told at once, by name, instead of by a wave of 401s.
   */
  static async open(pepper: Buffer, verifiers: KeyVerifierStore, store: EventStore, logger = new Logger('auth')): Promise<OperatorKeys> {
    const check = createHmac('sha256', pepper).update(PEPPER_CHECK).digest('hex');
    if ((await verifiers.pepperCheck(check)) !== check) {
      throw new Error(
        'the operator key pepper (MANDATE_KEY_PEPPER, or the key-pepper file of the keys directory) is not the one this store\'s key verifiers were made with: no operator key could authenticate. Start with the pepper this installation was first started with.',
      );
    }
    return new OperatorKeys(pepper, verifiers, store, logger);
  }

  /** A new key `mdt.<tenant>.<key id>.<secret>` (256 random bits), its verifier kept: call before appending its event. */
  async issue(tenantId: string, keyId: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const verifier = operatorKeyVerifier(this.pepper, sha256Hex(secret));
    if ((await this.verifiers.keep(tenantId, keyId, verifier)) !== verifier) throw new Error(`operator key ${keyId} of ${tenantId} already has a verifier`);
    return `mdt.${tenantId}.${keyId}.${secret}`;
  }

  /**
   * A one-time secret of another kind (an agent's enrollment token) under its own id: 256 random bits, its verifier
   * kept like a key's (call before appending its event). The caller builds the token around it.
   */
  async issueSecret(tenantId: string, id: string): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const verifier = operatorKeyVerifier(this.pepper, sha256Hex(secret));
    if ((await this.verifiers.keep(tenantId, id, verifier)) !== verifier) throw new Error(`${id} of ${tenantId} already has a verifier`);
    return secret;
  }

  /** Whether `secret` is the one kept under `id` (by issueSecret). */
  async secretMatches(tenantId: string, id: string, secret: string): Promise<boolean> {
    const kept = await this.verifiers.verifierOf(tenantId, id);
    return kept !== null && sameHex(operatorKeyVerifier(this.pepper, sha256Hex(secret)), kept);
  }

  /** Whether `secret` is the one of this key (a key the tenant's events name; revocation is the caller's to check). */
  async matches(tenantId: string, key: OperatorKey, secret: string): Promise<boolean> {
    const kept = await this.verifierOf(tenantId, key);
    return kept !== null && sameHex(operatorKeyVerifier(this.pepper, sha256Hex(secret)), kept);
  }

  private async verifierOf(tenantId: string, key: OperatorKey): Promise<string | null> {
    const id = `${tenantId}.${key.keyId}`;
    if (this.remembered.has(id)) return this.remembered.get(id)!;
    const verifier = (await this.verifiers.verifierOf(tenantId, key.keyId)) ?? (await this.fromLegacyEvent(tenantId, key));
    if (verifier === null) {
      this.logger.warn(`operator key ${key.keyId} of tenant ${tenantId} has no verifier: it cannot authenticate (its verifier was never kept, or the verifier table was lost)`);
    }
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(id, verifier);
    return verifier;
  }

  /**
   * A key of release 0.1: its event's stored text holds sha256(secret) (readers never see it, the upcaster drops it).
   * Read once from that one stored event, keyed, and kept, so the next start finds it in the store.
   */
  private async fromLegacyEvent(tenantId: string, key: OperatorKey): Promise<string | null> {
    if (key.position === undefined) return null;
    const [stored] = await this.store.readTenantChain(tenantId, key.position - 1, 1);
    if (!stored || stored.event.position !== key.position) return null;
    let legacy: string | null;
    try {
      legacy = legacyKeyHashOf(JSON.parse(stored.canonical));
    } catch {
      return null;
    }
    if (legacy === null) return null;
    const kept = await this.verifiers.keep(tenantId, key.keyId, operatorKeyVerifier(this.pepper, legacy));
    this.logger.log(`operator key ${key.keyId} of tenant ${tenantId}: verifier keyed from its release 0.1 event`);
    return kept;
  }
}
