import { createHash } from 'crypto';
import { CALL_FIELDS, callShape, CallShape, mismatchedFields } from './call-shape';

/** The digest written out by hand from the canonical text, so the spec does not reuse the code under test. */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const refund = {
  url: 'https://api.stripe.com/v1/refunds?charge=ch_1',
  method: 'POST',
  body: { charge: 'ch_1', amount: 5000, metadata: { ticket: 'T-9', reason: 'duplicate' } },
};

const shapeOf = (service: string, request: Parameters<typeof callShape>[1]): CallShape => {
  const shape = callShape(service, request);
  if (shape === null) throw new Error(`expected a shape for ${request.url}`);
  return shape;
};

describe('the shape of a call', () => {
  it('given an absolute https call, then its shape names the service, method, host, path with query, and the digest of the canonical body', () =>
    expect(callShape('stripe', refund)).toEqual({
      service: 'stripe',
      method: 'POST',
      scheme: 'https',
      host: 'api.stripe.com',
      path: '/v1/refunds?charge=ch_1',
      bodyDigest: sha256('{"amount":5000,"charge":"ch_1","metadata":{"reason":"duplicate","ticket":"T-9"}}'),
    }));

  it('given a plain http call, then it has a shape too', () =>
    expect(callShape('internal', { url: 'http://billing.local/charge', method: 'POST' })).toMatchObject({ scheme: 'http', host: 'billing.local', path: '/charge' }));

  it.each([
    ['a path only', '/v1/refunds'],
    ['a host without a scheme', 'api.stripe.com/v1/refunds'],
    ['a protocol-relative URL', '//api.stripe.com/v1/refunds'],
    ['an ftp URL', 'ftp://files.example.com/refunds.csv'],
    ['a file URL', 'file:///etc/passwd'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['a mailto URL', 'mailto:ops@example.com'],
    ['a websocket URL', 'wss://stream.example.com/'],
    ['words', 'not a url'],
    ['nothing', ''],
  ])('given %s, then there is no shape (an approval must name where the call goes)', (_name, url) =>
    expect(callShape('stripe', { url, method: 'POST' })).toBeNull());

  it('given a lower-case method, then the shape has it upper-cased', () =>
    expect(shapeOf('stripe', { ...refund, method: 'post' }).method).toBe('POST'));

  it('given a host in mixed case, then the shape has it lower-cased', () =>
    expect(shapeOf('stripe', { ...refund, url: 'https://API.Stripe.COM/v1/refunds?charge=ch_1' }).host).toBe('api.stripe.com'));

  it('given the same call written with different case in method and host, then the shapes are equal', () =>
    expect(shapeOf('stripe', { ...refund, method: 'Post', url: 'https://Api.Stripe.com/v1/refunds?charge=ch_1' })).toEqual(shapeOf('stripe', refund)));

  it('given a non-default port, then the port is part of the host', () =>
    expect(shapeOf('svc', { url: 'https://api.example.com:8443/x', method: 'GET' }).host).toBe('api.example.com:8443'));

  it('given a fragment, then it is not part of the path (it never reaches the server)', () =>
    expect(shapeOf('stripe', { ...refund, url: 'https://api.stripe.com/v1/refunds?charge=ch_1#top' }).path).toBe('/v1/refunds?charge=ch_1'));

  it('given a query string, then it is part of the path (it can carry an amount or a resource id)', () =>
    expect(shapeOf('stripe', { url: 'https://api.stripe.com/v1/charges/ch_1/refund?amount=5000', method: 'POST' }).path).toBe('/v1/charges/ch_1/refund?amount=5000'));

  it('given no body, then the digest is that of JSON null', () =>
    expect(shapeOf('stripe', { url: refund.url, method: 'DELETE' }).bodyDigest).toBe(sha256('null')));

  it('given the same body with its keys in another order, at every depth, then the digest is the same', () => {
    const reordered = { metadata: { reason: 'duplicate', ticket: 'T-9' }, amount: 5000, charge: 'ch_1' };
    expect(shapeOf('stripe', { ...refund, body: reordered }).bodyDigest).toBe(shapeOf('stripe', refund).bodyDigest);
  });

  it.each<[string, unknown]>([
    ['a top-level value changed', { ...refund.body, amount: 5001 }],
    ['a nested value changed', { ...refund.body, metadata: { ticket: 'T-10', reason: 'duplicate' } }],
    ['a number sent as a string', { ...refund.body, amount: '5000' }],
    ['a key added', { ...refund.body, reverse_transfer: true }],
    ['a key removed', { charge: 'ch_1', amount: 5000 }],
    ['no body at all', undefined],
    ['an empty object', {}],
    ['the same values as an array', ['ch_1', 5000]],
  ])('given the approved body replaced by one with %s, then the digest changes', (_name, body) =>
    expect(shapeOf('stripe', { ...refund, body }).bodyDigest).not.toBe(shapeOf('stripe', refund).bodyDigest));

  it('given an array body, then the order of its items matters', () =>
    expect(shapeOf('s', { url: 'https://x.example/', method: 'POST', body: [1, 2] }).bodyDigest).not.toBe(
      shapeOf('s', { url: 'https://x.example/', method: 'POST', body: [2, 1] }).bodyDigest,
    ));
});

describe('comparing an attempted call with the approved one', () => {
  const approved = shapeOf('stripe', refund);

  it('given the same call, then nothing differs', () => expect(mismatchedFields(approved, shapeOf('stripe', refund))).toEqual([]));

  it('given the same call with body keys reordered and case changed, then nothing differs', () =>
    expect(mismatchedFields(approved, shapeOf('stripe', { url: 'https://API.stripe.com/v1/refunds?charge=ch_1', method: 'post', body: { metadata: { reason: 'duplicate', ticket: 'T-9' }, charge: 'ch_1', amount: 5000 } }))).toEqual([]));

  it.each<[string, CallShape, string[]]>([
    ['the service', shapeOf('stripe-eu', refund), ['service']],
    ['the method', shapeOf('stripe', { ...refund, method: 'PUT' }), ['method']],
    ['the scheme (a downgrade to plain http)', shapeOf('stripe', { ...refund, url: 'http://api.stripe.com/v1/refunds?charge=ch_1' }), ['scheme']],
    ['the host', shapeOf('stripe', { ...refund, url: 'https://evil.example.com/v1/refunds?charge=ch_1' }), ['host']],
    ['the path', shapeOf('stripe', { ...refund, url: 'https://api.stripe.com/v1/payouts?charge=ch_1' }), ['path']],
    ['the query', shapeOf('stripe', { ...refund, url: 'https://api.stripe.com/v1/refunds?charge=ch_2' }), ['path']],
    ['the body', shapeOf('stripe', { ...refund, body: { ...refund.body, amount: 9999 } }), ['body']],
    ['everything', shapeOf('paypal', { url: 'http://other.example/pay', method: 'GET', body: { x: 1 } }), ['service', 'method', 'scheme', 'host', 'path', 'body']],
  ])('given %s changed, then exactly that is named', (_name, attempted, fields) => expect(mismatchedFields(approved, attempted)).toEqual(fields));

  it('the fields of a call are service, method, scheme, host, path and body', () => expect([...CALL_FIELDS]).toEqual(['service', 'method', 'scheme', 'host', 'path', 'body']));
});
