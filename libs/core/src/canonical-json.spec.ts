import { canonicalJson } from './canonical-json';

describe('canonical JSON', () => {
  it('given objects that differ only in key order, then their canonical forms are equal', () =>
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' } })).toBe(canonicalJson({ a: { c: 'é', d: [1, { x: 1, y: 2 }] }, b: 1 })));

  it('given a different value, then the canonical form differs', () => expect(canonicalJson({ amount: 4200 })).not.toBe(canonicalJson({ amount: 420000 })));

  it('has no whitespace and sorted keys', () => expect(canonicalJson({ z: null, a: [true, 1.5, 'x'] })).toBe('{"a":[true,1.5,"x"],"z":null}'));

  it('drops undefined members like JSON does', () => expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}'));

  it('refuses numbers JSON cannot carry', () => expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError));

  it('writes exactly the text of the plain definition (sorted keys, JSON.stringify for every leaf) for 20,000 generated values', () => {
    // given the definition this file implements faster, and a seeded generator of values with awkward leaves
    const plain = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(plain).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        const members = Object.keys(record).sort().filter((key) => record[key] !== undefined);
        return `{${members.map((key) => `${JSON.stringify(key)}:${plain(record[key])}`).join(',')}}`;
      }
      return value === undefined ? 'null' : JSON.stringify(value);
    };
    let seed = 42;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
    const pieces = ['a', 'Z', ' ', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '😀', '\ud800', '\udfff', '/', '<'];
    const leaf = () =>
      pick<() => unknown>([
        () => Array.from({ length: Math.floor(next() * 6) }, () => pick(pieces)).join(''),
        () => pick([0, -0, 1, -1.5, 0.1, 1e21, 1e-7, 123456789.123, Number.MAX_SAFE_INTEGER, 5e-324]),
        () => pick([true, false, null, undefined]),
      ])();
    const value = (depth: number): unknown => {
      if (depth > 3 || next() < 0.4) return leaf();
      if (next() < 0.4) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      const record: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) record[pick(['b', 'a', 'é', 'A', '"k"', '10', '2', 'calls', 'z\u0000'])] = value(depth + 1);
      return record;
    };
    // when both write each value
    const differing = Array.from({ length: 20_000 }, () => value(0)).filter((v) => canonicalJson(v) !== plain(v));
    // then no value is written differently
    expect(differing.slice(0, 3)).toEqual([]);
  });
});
