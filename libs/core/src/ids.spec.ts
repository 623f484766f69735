import { newEventId } from './ids';

describe('event ids', () => {
  it('are RFC 9562 version 7 UUIDs, unique, and ordered by time', () => {
    const ids = Array.from({ length: 5000 }, newEventId);
    ids.forEach((id) => expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
    expect(new Set(ids).size).toBe(ids.length);
    const stamps = ids.map((id) => parseInt(id.replace(/-/g, '').slice(0, 12), 16));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});
