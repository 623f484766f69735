import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Whether the proxy may open a connection to an address on behalf of an agent, and if not, which range forbids it. */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

type Range = readonly [network: string, prefix: number, name: string];

/** IPv4 ranges that are not the public internet (RFC 6890 and friends): an agent never reaches them through the proxy. */
const IPV4_BLOCKED: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'protocol-assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4-relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/**
 * IPv6 ranges refused outright. The ranges that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are not here:
 * they are judged by the address they carry, so `::ffff:8.8.8.8` passes and `64:ff9b::7f00:1` does not.
 */
const IPV6_BLOCKED: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  // Local-use NAT64 (RFC 8215) translates inside the operator's own network, whatever address it embeds.
  ['64:ff9b:1::', 48, 'nat64-local'],
  // Teredo hides the client's address and reaches the IPv4 server through a relay the proxy cannot judge.
  ['2001::', 32, 'teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'orchid'],
  ['2001:20::', 28, 'orchid'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function blockList(ranges: readonly Range[], family: 'ipv4' | 'ipv6'): Array<[BlockList, string]> {
  return ranges.map(([network, prefix, name]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [list, name];
  });
}

const V4 = blockList(IPV4_BLOCKED, 'ipv4');
const V6 = blockList(IPV6_BLOCKED, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/** The sixteen bytes of an IPv6 address (brackets and zone id dropped), or null when it is not one. */
export function ipv6Bytes(address: string): Uint8Array | null {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(text)) return null;
  // A trailing dotted quad is the last two groups written in decimal.
  text = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headWords = head ? head.split(':') : [];
  const tailWords = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array(8 - headWords.length - tailWords.length).fill('0');
  const bytes = new Uint8Array(16);
  [...headWords, ...zeros, ...tailWords].forEach((word, i) => {
    const value = parseInt(word, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

const dottedQuad = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const allZero = (b: Uint8Array, from: number, to: number) => b.slice(from, to).every((x) => x === 0);

/** The IPv4 address an IPv6 address carries and is routed to, with the name of the form, if it carries one. */
function embeddedIPv4(b: Uint8Array): { ipv4: string; form: string } | null {
  if (allZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return { ipv4: dottedQuad(b, 12), form: 'ipv4-mapped' };
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 themselves are judged as IPv6 before this.
  if (allZero(b, 0, 12)) return { ipv4: dottedQuad(b, 12), form: 'ipv4-compatible' };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(b, 4, 12)) {
    return { ipv4: dottedQuad(b, 12), form: 'nat64' };
  }
  if (b[0] === 0x20 && b[1] === 0x02) return { ipv4: dottedQuad(b, 2), form: '6to4' };
  return null;
}

function classifyIPv4(address: string): AddressVerdict {
  for (const [list, range] of V4) if (list.check(address, 'ipv4')) return { allowed: false, range };
  return { allowed: true };
}

/**
 * Whether an address (IPv4 dotted quad or IPv6, brackets and zone id tolerated) is on the public internet. Anything
 * that is not a plain address is refused: the caller resolves names first and judges every address they give.
 */
export function classifyAddress(address: string): AddressVerdict {
  if (isIPv4(address)) return classifyIPv4(address);
  const bytes = ipv6Bytes(address);
  if (!bytes) return { allowed: false, range: 'not-an-address' };
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  for (const [list, range] of V6) if (list.check(text, 'ipv6')) return { allowed: false, range };
  const embedded = embeddedIPv4(bytes);
  if (embedded) {
    const verdict = classifyIPv4(embedded.ipv4);
    return verdict.allowed ? verdict : { allowed: false, range: `${embedded.form}:${verdict.range}` };
  }
  // Everything routable on the IPv6 internet is in 2000::/3; the rest is reserved or unassigned.
  if (!GLOBAL_UNICAST.check(text, 'ipv6')) return { allowed: false, range: 'reserved' };
  return { allowed: true };
}
