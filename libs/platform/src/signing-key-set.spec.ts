import { DEFAULT_KEY_RETENTION_SECONDS, leftAt, nextSeq, signerOf, SigningKeyEntry, standingsOf, stillVerifying } from './signing-key-set';

const T0 = '2026-01-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const HOUR = 3600;
const RETENTION = DEFAULT_KEY_RETENTION_SECONDS;

const first: SigningKeyEntry = { seq: 0, kid: 'k0', signingSince: at(-10 * HOUR) };
const rotated = (seq: number, seconds: number): SigningKeyEntry => ({ seq, kid: `k${seq}`, signingSince: at(seconds) });
const kids = (keys: Array<{ kid: string }>) => keys.map((k) => k.kid);

describe('which key signs', () => {
  it('given only the first key, then it signs and verifies for ever', () => {
    expect(signerOf([first])?.kid).toBe('k0');
    expect(standingsOf([first], RETENTION)).toEqual([{ ...first, status: 'signing', retiredAt: null, verifiesUntil: null }]);
    expect(kids(stillVerifying([first], RETENTION, at(1000 * HOUR)))).toEqual(['k0']);
  });

  it('given a rotation, then the new key signs from the moment it was made, whatever order the files were listed in', () => {
    const keys = [rotated(1, 0), first];
    expect(signerOf(keys)?.kid).toBe('k1');
    expect(standingsOf(keys, RETENTION).map((k) => [k.kid, k.status])).toEqual([['k0', 'retired'], ['k1', 'signing']]);
  });

  it('given no key at all, then nothing signs', () => {
    expect(signerOf([])).toBeUndefined();
  });
});

describe('when a retired key leaves', () => {
  it('given a rotation at T, then the old key was retired at T and verifies until T + the longest passport + the skew margin', () => {
    const [old] = standingsOf([first, rotated(1, 0)], RETENTION);
    expect(old).toMatchObject({ status: 'retired', retiredAt: at(0), verifiesUntil: at(3600 + 300) });
  });

  it('given a rotation at T, when it is one second before the end of its retention, then both keys verify; at the end, only the new one', () => {
    const keys = [first, rotated(1, 0)];
    expect(kids(stillVerifying(keys, RETENTION, at(RETENTION - 1)))).toEqual(['k0', 'k1']);
    expect(kids(stillVerifying(keys, RETENTION, at(RETENTION)))).toEqual(['k1']);
    expect(kids(leftAt(keys, RETENTION, at(RETENTION)))).toEqual(['k0']);
  });

  it('given two rotations an hour apart, then each retired key leaves on its own schedule, counted from when the next one began signing', () => {
    const keys = [first, rotated(1, 0), rotated(2, HOUR)];
    expect(kids(stillVerifying(keys, RETENTION, at(HOUR)))).toEqual(['k0', 'k1', 'k2']);
    expect(kids(stillVerifying(keys, RETENTION, at(RETENTION)))).toEqual(['k1', 'k2']);
    expect(kids(stillVerifying(keys, RETENTION, at(HOUR + RETENTION)))).toEqual(['k2']);
  });

  it('given two rotations a second apart, then the key that signed for one second leaves a second after the first one', () => {
    const keys = [first, rotated(1, 0), rotated(2, 1)];
    expect(standingsOf(keys, RETENTION).map((k) => k.verifiesUntil)).toEqual([at(RETENTION), at(RETENTION + 1), null]);
  });

  it('given any time at all, then the signing key never leaves', () => {
    const keys = [first, rotated(1, 0)];
    expect(kids(leftAt(keys, RETENTION, at(100 * 365 * 24 * HOUR)))).toEqual(['k0']);
  });

  it('given a short retention (tests), then the retired key leaves after it, not after the longest passport', () => {
    expect(kids(stillVerifying([first, rotated(1, 0)], 3, at(3)))).toEqual(['k1']);
  });
});

describe('the place of the next rotation', () => {
  it('given the first key only, then 1; given keys up to 4 with some forgotten, then 5: never a place that was used', () => {
    expect(nextSeq([0])).toBe(1);
    expect(nextSeq([4, 3])).toBe(5);
    expect(nextSeq([])).toBe(0);
  });
});
