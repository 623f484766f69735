import { CARD_NUMBERS, MASK, scrub } from './scrub';

const json = (body: string, headers: Record<string, string | string[]> = {}): { headers: Record<string, string | string[]>; body: Buffer } => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(body),
});

describe('scrub', () => {
  it('given a secret echoed in the body and a header, then every occurrence is masked and counted', () => {
    const { response, masked } = scrub(json('{"token":"sk_live_123","again":"sk_live_123"}', { 'x-echo': 'Bearer sk_live_123' }), ['sk_live_123']);
    expect(response.body.toString()).toBe(`{"token":"${MASK}","again":"${MASK}"}`);
    expect(response.headers['x-echo']).toBe(`Bearer ${MASK}`);
    expect(masked).toBe(3);
  });

  it('given card numbers that pass the Luhn check, then they are masked; other digit runs are left alone', () => {
    const body = 'visa 4111 1111 1111 1111, amex 3782-822463-10005, plain 4111111111111111, not luhn 4111111111111112, id 12345678901234567890123, epoch 1732900000000';
    const { response, masked } = scrub({ headers: { 'content-type': 'text/plain' }, body: Buffer.from(body) }, [], [CARD_NUMBERS]);
    expect(response.body.toString()).toBe(
      `visa ${MASK}, amex ${MASK}, plain ${MASK}, not luhn 4111111111111112, id 12345678901234567890123, epoch 1732900000000`,
    );
    expect(masked).toBe(3);
  });

  it('given a binary body holding the secret bytes, then those bytes are masked and the rest kept', () => {
    const body = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('sk_live_123'), Buffer.from([255, 254])]);
    const { response, masked } = scrub({ headers: { 'content-type': 'application/octet-stream' }, body }, ['sk_live_123']);
    expect(response.body).toEqual(Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(MASK), Buffer.from([255, 254])]));
    expect(masked).toBe(1);
  });

  it('given a set-cookie list, then each value is masked on its own', () => {
    const { response, masked } = scrub({ headers: { 'set-cookie': ['a=sk_live_123', 'b=2'] }, body: Buffer.alloc(0) }, ['sk_live_123']);
    expect(response.headers['set-cookie']).toEqual([`a=${MASK}`, 'b=2']);
    expect(masked).toBe(1);
  });

  it('given nothing to mask, then the body is the same and nothing is counted', () => {
    const original = json('{"ok":true}');
    const { response, masked } = scrub(original, ['sk_live_123']);
    expect(response.body).toBe(original.body);
    expect(masked).toBe(0);
  });
});
