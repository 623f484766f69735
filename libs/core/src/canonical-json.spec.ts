import { canonicalJson } from './canonical-json';

describe('canonical JSON', () => {
  it('given objects that differ only in key order, then their canonical forms are equal', () =>
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' } })).toBe(canonicalJson({ a: { c: 'é', d: [1, { x: 1, y: 2 }] }, b: 1 })));

  it('given a different value, then the canonical form differs', () => expect(canonicalJson({ amount: 4200 })).not.toBe(canonicalJson({ amount: 420000 })));

  it('has no whitespace and sorted keys', () => expect(canonicalJson({ z: null, a: [true, 1.5, 'x'] })).toBe('{"a":[true,1.5,"x"],"z":null}'));

  it('drops undefined members like JSON does', () => expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}'));

  it('refuses numbers JSON cannot carry', () => expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError));
});
