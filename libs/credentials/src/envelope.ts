import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'crypto';

/**
 * Wraps and unwraps data keys under a key the provider holds (the master key). The local provider holds a 32-byte key
 * in this process; a cloud KMS or Vault transit provider sends the data key to be wrapped and never lets the master
 * key out (see this library's README). `name` is written beside each wrapped key, so a store can tell which provider
 * made it.
 */
export interface KeyProvider {
  readonly name: string;
  wrap(dataKey: Buffer): Promise<string>;
  /** Rejects when this provider's key did not wrap it (another master key, or altered text). */
  unwrap(wrapped: string): Promise<Buffer>;
}

/** A master key that cannot unwrap what the store holds: every secret would fail, so Mandate stops and says so. */
export class MasterKeyMismatch extends Error {
  constructor(detail: string) {
    super(`the master key cannot unwrap ${detail}: it is not the key this installation's secrets were wrapped with (MANDATE_MASTER_KEY, or the master-key file of the keys directory)`);
    this.name = 'MasterKeyMismatch';
  }
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const WRAP_AAD = Buffer.from('mandate data key v1');

/** A master key as configured: 64 hex digits or base64 (standard or URL-safe) of exactly 32 bytes. */
export function parseMasterKey(text: string, name = 'MANDATE_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : null;
  if (!key || key.length !== KEY_BYTES) throw new Error(`${name} must be 32 bytes written as 64 hex digits or as base64 (openssl rand -base64 32)`);
  return key;
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws when the key, the additional data or any byte differs from what was sealed (GCM's tag). */
function open(key: Buffer, sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/** The default provider: AES-256-GCM under a 32-byte master key held by this process. */
export class LocalKeyProvider implements KeyProvider {
  readonly name = 'local';
  private readonly masterKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
    this.masterKey = Buffer.from(masterKey);
  }

  async wrap(dataKey: Buffer): Promise<string> {
    const { iv, ciphertext, tag } = seal(this.masterKey, dataKey, WRAP_AAD);
    return `v1.${b64(iv)}.${b64(ciphertext)}.${b64(tag)}`;
  }

  async unwrap(wrapped: string): Promise<Buffer> {
    const [version, iv, ciphertext, tag] = wrapped.split('.');
    if (version !== 'v1' || tag === undefined) throw new Error('not a data key wrapped by the local key provider');
    try {
      return open(this.masterKey, { iv: Buffer.from(iv, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url'), tag: Buffer.from(tag, 'base64url') }, WRAP_AAD);
    } catch {
      throw new MasterKeyMismatch('a data key');
    }
  }
}

/** Where a secret version belongs. It is the ciphertext's additional data: a row moved to another place does not open. */
export interface SecretAddress {
  tenantId: string;
  service: string;
  secretId: string;
  version: number;
}

/** What the secret store keeps of one version, as JSON text: no byte of it is the secret or its data key in clear. */
interface Envelope {
  v: 1;
  provider: string;
  wrappedKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const addressData = (a: SecretAddress) => Buffer.from(`mandate secret v1\n${JSON.stringify([a.tenantId, a.service, a.secretId, a.version])}`);

/** Encrypts a secret under a fresh data key (AES-256-GCM, random 12-byte IV), the data key wrapped by the provider. */
export async function sealSecret(provider: KeyProvider, address: SecretAddress, secret: string): Promise<string> {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const { iv, ciphertext, tag } = seal(dataKey, Buffer.from(secret, 'utf8'), addressData(address));
    const envelope: Envelope = { v: 1, provider: provider.name, wrappedKey: await provider.wrap(dataKey), iv: b64(iv), ciphertext: b64(ciphertext), tag: b64(tag) };
    return JSON.stringify(envelope);
  } finally {
    dataKey.fill(0);
  }
}

/** The secret of a kept envelope; throws when it was altered, moved to another address, or wrapped by another key. */
export async function openSecret(provider: KeyProvider, address: SecretAddress, text: string): Promise<string> {
  const envelope = JSON.parse(text) as Envelope;
  if (envelope.v !== 1) throw new Error(`secret envelope version ${String(envelope.v)} is not one this Mandate reads`);
  if (envelope.provider !== provider.name) throw new Error(`secret ${address.secretId} v${address.version} was wrapped by key provider ${envelope.provider}, not ${provider.name}`);
  const dataKey = await provider.unwrap(envelope.wrappedKey);
  try {
    const sealed = { iv: Buffer.from(envelope.iv, 'base64url'), ciphertext: Buffer.from(envelope.ciphertext, 'base64url'), tag: Buffer.from(envelope.tag, 'base64url') };
    return open(dataKey, sealed, addressData(address)).toString('utf8');
  } catch {
    throw new Error(`secret ${address.secretId} v${address.version} of service ${address.service} does not open: its stored envelope was altered or belongs elsewhere`);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * What events and answers show of a secret: HMAC-SHA256 under the installation's fingerprint key, first 16 hex digits.
 * Keyed, so a copy of the events cannot be used to test guesses of a short secret offline; stable, so an admin can
 * tell whether two versions hold the same value.
 */
export const secretFingerprint = (fingerprintKey: Buffer, secret: string) => createHmac('sha256', fingerprintKey).update(secret, 'utf8').digest('hex').slice(0, 16);

/** A new random fingerprint key, to be wrapped by the provider and kept once per installation. */
export const newFingerprintKey = () => randomBytes(KEY_BYTES);
