import { firstBlocked } from './upstream-client';

describe('firstBlocked', () => {
  it('given a name whose addresses are all public, then none blocks it', () => {
    expect(firstBlocked(['8.8.8.8', '2606:4700:4700::1111'])).toBeNull();
  });

  it('given a public address first and a loopback one after it, then the name is blocked: any one is enough', () => {
    expect(firstBlocked(['8.8.8.8', '127.0.0.1'])).toEqual({ address: '127.0.0.1', range: 'loopback' });
    expect(firstBlocked(['2606:4700:4700::1111', '::ffff:169.254.169.254'])).toEqual({ address: '::ffff:169.254.169.254', range: 'ipv4-mapped:link-local' });
  });
});
