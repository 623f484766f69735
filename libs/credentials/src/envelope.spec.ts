import { randomBytes } from 'crypto';
import { LocalKeyProvider, MasterKeyMismatch, openSecret, parseMasterKey, sealSecret, SecretAddress, secretFingerprint } from './envelope';

const master = randomBytes(32);
const provider = new LocalKeyProvider(master);
const address: SecretAddress = { tenantId: 'ten_1', service: 'stripe', secretId: 'sec_1', version: 1 };
const SECRET = 'sk_live_correct-horse-battery-staple';

/** Flips one character of one base64url field of the envelope text. */
function tampered(text: string, field: 'ciphertext' | 'tag' | 'iv' | 'wrappedKey'): string {
  const envelope = JSON.parse(text);
  const value: string = envelope[field];
  const at = field === 'wrappedKey' ? value.lastIndexOf('.') - 2 : 1;
  envelope[field] = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
  return JSON.stringify(envelope);
}

describe('secrets sealed under a data key wrapped by the master key', () => {
  it('given a sealed secret, when it is opened at its address, then it is the secret; its text is not', async () => {
    const sealed = await sealSecret(provider, address, SECRET);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(await openSecret(provider, address, sealed)).toBe(SECRET);
  });

  it('given the same secret sealed twice, then the two envelopes differ (fresh data key and IV each time)', async () => {
    const [a, b] = [await sealSecret(provider, address, SECRET), await sealSecret(provider, address, SECRET)];
    expect(JSON.parse(a).iv).not.toBe(JSON.parse(b).iv);
    expect(JSON.parse(a).wrappedKey).not.toBe(JSON.parse(b).wrappedKey);
  });

  it.each(['ciphertext', 'tag', 'iv'] as const)('given a sealed secret whose %s was altered, when it is opened, then it is refused', async (field) => {
    const sealed = await sealSecret(provider, address, SECRET);
    await expect(openSecret(provider, address, tampered(sealed, field))).rejects.toThrow(/altered or belongs elsewhere/);
  });

  it('given a sealed secret whose wrapped data key was altered, when it is opened, then it is refused', async () => {
    const sealed = await sealSecret(provider, address, SECRET);
    await expect(openSecret(provider, address, tampered(sealed, 'wrappedKey'))).rejects.toThrow(MasterKeyMismatch);
  });

  it.each([
    ['another tenant', { tenantId: 'ten_2' }],
    ['another service', { service: 'slack' }],
    ['another secret id', { secretId: 'sec_2' }],
    ['another version', { version: 2 }],
  ])('given a sealed secret, when it is opened as %s, then it is refused (the address is its additional data)', async (_, moved) => {
    const sealed = await sealSecret(provider, address, SECRET);
    await expect(openSecret(provider, { ...address, ...moved }, sealed)).rejects.toThrow(/altered or belongs elsewhere/);
  });

  it('given a sealed secret, when another master key opens it, then it is refused with a clear error naming the master key', async () => {
    const sealed = await sealSecret(provider, address, SECRET);
    const other = new LocalKeyProvider(randomBytes(32));
    await expect(openSecret(other, address, sealed)).rejects.toThrow(/MANDATE_MASTER_KEY, or the master-key file/);
  });

  it('given a fingerprint key, then a fingerprint is 16 hex digits, stable for a secret, and different under another key', () => {
    const key = randomBytes(32);
    const print = secretFingerprint(key, SECRET);
    expect(print).toMatch(/^[0-9a-f]{16}$/);
    expect(secretFingerprint(key, SECRET)).toBe(print);
    expect(secretFingerprint(key, `${SECRET}x`)).not.toBe(print);
    expect(secretFingerprint(randomBytes(32), SECRET)).not.toBe(print);
  });

  it('given master keys as configured, then 64 hex digits and base64 of 32 bytes are read; anything else is refused by name', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64url'))).toEqual(key);
    expect(() => parseMasterKey(randomBytes(16).toString('base64'))).toThrow(/MANDATE_MASTER_KEY must be 32 bytes/);
    expect(() => parseMasterKey('correct horse battery staple')).toThrow(/MANDATE_MASTER_KEY must be 32 bytes/);
    expect(() => new LocalKeyProvider(randomBytes(31))).toThrow(/32 bytes/);
  });
});
