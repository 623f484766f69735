import { checkHosts, hostProblem } from './hosts';

const codeOf = (work: () => void) => {
  try {
    work();
    return null;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('hosts a credential may be sent to', () => {
  it.each(['api.stripe.com', 'slack.com', 'localhost', 'vault', 'a-b.example.org', '10.0.0.5', '127.0.0.1', '[::1]', '[2001:db8::1]'])(
    'given %s, when it is judged, then it is a host',
    (host) => expect(hostProblem(host)).toBeNull(),
  );

  it.each([
    ['*.stripe.com', 'wildcards'],
    ['https://api.stripe.com', 'not a URL'],
    ['API.stripe.com', 'lower case'],
    ['api.stripe.com:443', 'no port'],
    ['api.stripe.com/v1', 'no port, path'],
    ['user@api.stripe.com', 'no port, path, query or user'],
    ['api.stripe.com.', 'end with a dot'],
    ['-api.stripe.com', 'DNS name'],
    ['api_stripe.com', 'DNS name'],
    ['0x7f.1', 'IP address'],
    ['127.1', 'IP address'],
    ['::1', 'in brackets'],
    ['[::0001]', 'as a URL writes it'],
    ['[127.0.0.1]', 'not an IPv6 address'],
    ['', 'host name'],
  ])('given %s, when it is judged, then it is refused (%s)', (host, problem) => expect(hostProblem(host)).toContain(problem));

  it('given an internal host that is not among the hosts, then INVALID_HOST', () =>
    expect(codeOf(() => checkHosts(['api.example.com'], ['vault.internal']))).toBe('INVALID_HOST'));

  it('given an internal host among the hosts, then nothing is refused', () => expect(codeOf(() => checkHosts(['api.example.com', 'vault'], ['vault']))).toBeNull());

  it('given no host, a host twice, or 21 hosts, then INVALID_HOST', () => {
    expect(codeOf(() => checkHosts([], []))).toBe('INVALID_HOST');
    expect(codeOf(() => checkHosts(['a.com', 'a.com'], []))).toBe('INVALID_HOST');
    expect(codeOf(() => checkHosts(Array.from({ length: 21 }, (_, i) => `h${i}.example.com`), []))).toBe('INVALID_HOST');
  });

  it('given a refused host, then the refusal names its field', () => {
    try {
      checkHosts(['ok.com', '*.bad.com'], []);
      fail('expected a refusal');
    } catch (error) {
      expect((error as { extensions: { errors: unknown } }).extensions.errors).toEqual([{ field: 'hosts.1', problems: [expect.stringContaining('wildcards')] }]);
    }
  });
});
