import { forwardableHeaders, injectCredential, secretForms, UpstreamRequest, withoutHopByHop } from './headers';

const agentRequest: UpstreamRequest = {
  method: 'POST',
  url: 'https://api.example.com/v1/charges',
  headers: {
    Authorization: 'Bearer agents-own-token',
    Cookie: 'session=agents-cookie',
    'Proxy-Authorization': 'Basic eA==',
    'Proxy-Connection': 'keep-alive',
    Connection: 'close, X-Hop',
    'X-Hop': 'only for this connection',
    'Transfer-Encoding': 'chunked',
    Host: 'internal.example',
    'Content-Length': '999',
    'Content-Type': 'application/json',
    'X-Request-Id': 'r-1',
  },
  query: { limit: '10' },
};

describe('forwardableHeaders', () => {
  it('given an agent request, then only its end-to-end headers that carry no credential of its own remain', () => {
    expect(forwardableHeaders(agentRequest.headers)).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r-1' });
  });
});

describe('withoutHopByHop', () => {
  it('given a response, then hop-by-hop headers and the ones its Connection header names are dropped', () => {
    expect(withoutHopByHop({ Connection: 'x-trace', 'X-Trace': '1', 'Keep-Alive': 'timeout=5', 'Set-Cookie': ['a=1', 'b=2'] })).toEqual({
      'set-cookie': ['a=1', 'b=2'],
    });
  });
});

describe('injectCredential', () => {
  it('given a bearer service, then the secret replaces the agent authorization', () => {
    const out = injectCredential(agentRequest, { kind: 'bearer' }, 'sk_live_123');
    expect(out.headers).toEqual({ authorization: 'Bearer sk_live_123', 'content-type': 'application/json', 'x-request-id': 'r-1' });
  });

  it('given a basic service, then the username and secret go out as basic credentials', () => {
    const out = injectCredential(agentRequest, { kind: 'basic', username: 'acct' }, 's3cret');
    expect(out.headers?.authorization).toBe(`Basic ${Buffer.from('acct:s3cret').toString('base64')}`);
  });

  it('given a header service, then the secret is in that header and the agent value of it is gone', () => {
    const request = { ...agentRequest, headers: { ...agentRequest.headers, 'X-Api-Key': 'agents-guess' } };
    const out = injectCredential(request, { kind: 'header', name: 'X-Api-Key' }, 'key-1');
    expect(out.headers).toMatchObject({ 'x-api-key': 'key-1' });
    expect(Object.keys(out.headers!).filter((name) => name.toLowerCase() === 'x-api-key')).toEqual(['x-api-key']);
    expect(out.headers).not.toHaveProperty('authorization');
  });

  it('given a header service naming a framing or invalid header, then it is refused', () => {
    expect(() => injectCredential(agentRequest, { kind: 'header', name: 'Host' }, 'k')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => injectCredential(agentRequest, { kind: 'header', name: 'x key' }, 'k')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('given a query service, then the secret replaces the agent value of that parameter', () => {
    const out = injectCredential({ ...agentRequest, query: { limit: '10', api_key: 'agents-guess' } }, { kind: 'query', name: 'api_key' }, 'k&1');
    expect(out.query).toEqual({ limit: '10', api_key: 'k&1' });
    expect(out.headers).not.toHaveProperty('authorization');
  });
});

describe('secretForms', () => {
  it('given a secret with characters that get encoded, then each of its spellings is there, longest first', () => {
    const forms = secretForms({ kind: 'basic', username: 'u' }, 'a b/c"d');
    expect(forms).toEqual(expect.arrayContaining(['a b/c"d', 'a%20b%2Fc%22d', 'a+b%2Fc%22d', 'a b/c\\"d', Buffer.from('a b/c"d').toString('base64'), Buffer.from('u:a b/c"d').toString('base64')]));
    expect(forms.map((f) => f.length)).toEqual([...forms.map((f) => f.length)].sort((a, b) => b - a));
  });
});
