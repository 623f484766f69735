import { classifyAddress, ipv6Bytes } from './address';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['192.0.0.170', 'protocol-assignments'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['64:ff9b:1::a00:1', 'nat64-local'],
    ['::ffff:127.0.0.1', 'ipv4-mapped:loopback'],
    ['::ffff:7f00:1', 'ipv4-mapped:loopback'],
    ['::ffff:169.254.169.254', 'ipv4-mapped:link-local'],
    ['::ffff:a9fe:a9fe', 'ipv4-mapped:link-local'],
    ['::127.0.0.1', 'ipv4-compatible:loopback'],
    ['::a00:1', 'ipv4-compatible:private'],
    ['64:ff9b::7f00:1', 'nat64:loopback'],
    ['64:ff9b::169.254.169.254', 'nat64:link-local'],
    ['2002:7f00:1::', '6to4:loopback'],
    ['2002:c0a8:101::1', '6to4:private'],
    ['100::1', 'discard'],
    ['::2:0:0', 'reserved'],
    ['4000::1', 'reserved'],
    ['localhost', 'not-an-address'],
    ['2130706433', 'not-an-address'],
    ['0x7f000001', 'not-an-address'],
  ])('given %s, then it is refused as %s', (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '100.128.0.1', '172.32.0.1', '192.169.0.1', '223.255.255.254', '198.20.0.1',
    '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1',
  ])('given the public address %s, then it is allowed', (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });
});

describe('ipv6Bytes', () => {
  it('given the spellings of one address, then they are the same sixteen bytes', () => {
    const expected = Buffer.from('00000000000000000000ffff7f000001', 'hex');
    for (const spelling of ['::ffff:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:0001', '[::FFFF:7F00:1]']) {
      expect(Buffer.from(ipv6Bytes(spelling)!)).toEqual(expected);
    }
  });

  it('given something that is not an IPv6 address, then there are no bytes', () => {
    expect(ipv6Bytes('127.0.0.1')).toBeNull();
    expect(ipv6Bytes('1::2::3')).toBeNull();
  });
});
