import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { Logger } from '@nestjs/common';
import {
  currentVersion,
  KeyProvider,
  MasterKeyMismatch,
  newFingerprintKey,
  openSecret,
  parseMasterKey,
  Presentation,
  sealSecret,
  SecretAddress,
  secretFingerprint,
  serviceCatalogDecider,
  serviceCatalogStream,
  serviceOf,
} from '@mandate/credentials';
import { DomainError } from '@mandate/core';
import { SecretStore } from '@mandate/event-store';
import { createOnce } from './passport-tokens';
import { AggregateRepository } from './repository';

const MASTER_KEY_FILE = 'master-key';
/** How many taken version numbers a rotation skips before it gives up (each is a concurrent or failed rotation). */
const MAX_TAKEN_VERSIONS = 16;
/** Opened secret values kept in memory, and for how long: a hot service's calls skip the store read and the unwrap. */
const OPENED_SECRETS_KEPT = 1000;
const OPENED_SECRET_SECONDS = 60;

/**
 * The master key of the local key provider: MANDATE_MASTER_KEY, or generated once into a 0600 file in the keys
 * directory (beside the signing key and the pepper, shared the same way). Never logged: the log only says where it is.
 */
export function masterKeyOf(keysDir: string, configured: string | null, logger = new Logger('credentials')): Buffer {
  if (configured) return parseMasterKey(configured);
  const file = path.join(keysDir, MASTER_KEY_FILE);
  if (!fs.existsSync(file)) {
    if (createOnce(file, randomBytes(32).toString('hex') + '\n')) logger.warn(`Generated the secrets master key into ${file} (mode 0600); back it up with the signing key: without it no stored secret opens`);
  }
  return parseMasterKey(fs.readFileSync(file, 'utf8'), `the master key file ${file}`);
}

/** What the proxy needs to make one call with a service's credential. `secret.value` must never be logged. */
export interface CallCredential {
  hosts: string[];
  internalHosts: string[];
  presentation: Presentation;
  secret: { id: string; version: number; value: string };
}

/**
 * The services' secrets: sealed and kept before their event is appended, opened for a call from the version the
 * events say is current. The service state is read from the store on every call (a shared store's newer events
 * included), so a removal or a rotation applies to the very next call.
 */
export class Credentials {
  private readonly openedSecrets = new Map<string, { value: string; until: number }>();

  private constructor(
    private readonly provider: KeyProvider,
    private readonly secrets: SecretStore,
    private readonly repository: AggregateRepository,
    private readonly fingerprintKey: Buffer,
    private readonly logger = new Logger('credentials'),
  ) {}

  /**
   * Refuses to start with a master key other than the one this installation's secrets are wrapped with: the first
   * start keeps a random fingerprint key wrapped by the provider, and every start must unwrap it.
   */
  static async open(provider: KeyProvider, secrets: SecretStore, repository: AggregateRepository): Promise<Credentials> {
    const candidate = newFingerprintKey();
    const kept = await secrets.fingerprintKey(await provider.wrap(candidate));
    let fingerprintKey: Buffer;
    try {
      fingerprintKey = await provider.unwrap(kept);
    } catch (error) {
      if (error instanceof MasterKeyMismatch) throw new MasterKeyMismatch(`this store's secrets (key provider ${provider.name}). Start with the master key this installation was first started with`);
      throw error;
    } finally {
      candidate.fill(0);
    }
    return new Credentials(provider, secrets, repository, fingerprintKey);
  }

  fingerprint(secret: string): string {
    return secretFingerprint(this.fingerprintKey, secret);
  }

  /**
   * Seals a secret and keeps it as the first free version from `address.version` on (call before appending its
   * event); returns the version and the fingerprint. A version whose row is taken belongs to a rotation running
   * alongside, or to one whose event never came (inert): either way the next number is taken, so a failed append
   * never blocks later rotations.
   */
  async keep(address: SecretAddress, secret: string): Promise<{ version: number; fingerprint: string }> {
    for (let version = address.version; version < address.version + MAX_TAKEN_VERSIONS; version++) {
      const envelope = await sealSecret(this.provider, { ...address, version }, secret);
      if ((await this.secrets.keep(address.tenantId, address.secretId, version, envelope)) === envelope) return { version, fingerprint: this.fingerprint(secret) };
    }
    throw new DomainError('WRONG_EXPECTED_VERSION', `service ${address.service} is being changed by many requests at once: send it again`);
  }

  /**
   * Deletes the rows of versions the events no longer name (after their event): inert already, gone now. A failure
   * leaves an inert row and is logged, not answered: the removal itself is done.
   */
  async forget(tenantId: string, secretId: string, version?: number): Promise<void> {
    const prefix = `${tenantId}\u0000${secretId}\u0000`;
    for (const key of this.openedSecrets.keys()) {
      if (key.startsWith(prefix) && (version === undefined || key === `${prefix}${version}`)) this.openedSecrets.delete(key);
    }
    try {
      await this.secrets.forget(tenantId, secretId, version);
    } catch (error) {
      this.logger.warn(`secret ${secretId}${version === undefined ? '' : ` v${version}`} of tenant ${tenantId} is removed but its ciphertext row was not deleted (${String(error)}); it is never used`);
    }
  }

  /** The credential for a call to `service`, or null when the tenant has no such service (never registered, or removed). */
  async forCall(tenantId: string, service: string): Promise<CallCredential | null> {
    const { state } = await this.repository.load(serviceCatalogDecider, serviceCatalogStream(tenantId));
    const registered = serviceOf(state, service);
    const version = registered && currentVersion(registered);
    if (!registered || !version) return null;
    const address = { tenantId, service, secretId: registered.secretId, version: version.version };
    const value = await this.opened(address);
    return { hosts: registered.hosts, internalHosts: registered.internalHosts, presentation: registered.presentation, secret: { id: registered.secretId, version: version.version, value } };
  }

  /**
   * A secret version's value, opened once and kept for a short while: a version never changes once kept (numbers are
   * never reused), and which version is current, or whether the service still exists, is read from the events on
   * every call, so a rotation or a removal still applies to the very next call. Bounded in number and in time, so a
   * value does not outlive its use in this process's memory by much.
   */
  private async opened(address: SecretAddress): Promise<string> {
    const key = `${address.tenantId}\u0000${address.secretId}\u0000${address.version}`;
    const now = Date.now();
    const kept = this.openedSecrets.get(key);
    if (kept && kept.until > now) return kept.value;
    const envelope = await this.secrets.envelopeOf(address.tenantId, address.secretId, address.version);
    if (envelope === null) throw new Error(`secret ${address.secretId} v${address.version} of service ${address.service} (tenant ${address.tenantId}) is active but has no stored envelope: the secret table was lost or restored from an older backup`);
    const value = await openSecret(this.provider, address, envelope);
    this.openedSecrets.delete(key);
    if (this.openedSecrets.size >= OPENED_SECRETS_KEPT) this.openedSecrets.delete(this.openedSecrets.keys().next().value!);
    this.openedSecrets.set(key, { value, until: now + OPENED_SECRET_SECONDS * 1000 });
    return value;
  }
}
