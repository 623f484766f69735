import { isIPv4, isIPv6 } from 'net';
import { DomainError } from '@mandate/core';

/** How many hosts one service may name: a credential meant for "everywhere" is not a service's credential. */
export const MAX_HOSTS = 20;

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * What is wrong with a host a credential may be sent to, or null. A host is written exactly as a URL's hostname is:
 * a lowercase DNS name or an IP literal (IPv6 in brackets), no scheme, port, path or wildcard, so the proxy compares
 * it with `new URL(url).hostname` byte for byte and no spelling of a name (`0x7f.1`, `API.example.com`, a trailing
 * dot) can stand for another. Any port of the host is allowed: the credential goes to the host, whichever port.
 */
export function hostProblem(host: unknown): string | null {
  if (typeof host !== 'string' || host.length === 0) return 'must be a host name';
  if (host.includes('*')) return 'wildcards are not allowed: list each host by its exact name';
  if (host.includes('://')) return 'must be a host name, not a URL (no scheme)';
  if (host !== host.toLowerCase()) return 'must be written in lower case';
  if (host.startsWith('[') && host.endsWith(']')) {
    const address = host.slice(1, -1);
    if (!isIPv6(address)) return 'is not an IPv6 address';
    return canonical(host) ? null : 'must be written as a URL writes it (compressed, lower case)';
  }
  if (isIPv6(host)) return 'an IPv6 address is written in brackets, as in a URL: [2001:db8::1]';
  if (isIPv4(host)) return canonical(host) ? null : 'is not a plain dotted IPv4 address';
  if (/[:/?#@\\]/.test(host)) return 'must be a host name alone: no port, path, query or user';
  if (host.endsWith('.')) return 'must not end with a dot';
  if (!DNS_NAME.test(host)) return 'must be a DNS name of letters, digits and hyphens (labels of 1 to 63)';
  // A name whose last label is numeric is read by URL parsers as an IPv4 address in another spelling.
  return canonical(host) ? null : 'is read as an IP address by URL parsers: write the address itself';
}

/** Whether a URL parser reads the host back exactly as written (so matching by hostname is exact). */
function canonical(host: string): boolean {
  try {
    const url = new URL(`https://${host}/`);
    return url.hostname === host && url.port === '' && url.pathname === '/';
  } catch {
    return false;
  }
}

export interface HostsProblem {
  field: string;
  problems: string[];
}

/**
 * The hosts a service's credential may be sent to, and those of them an admin marks internal (reachable over plain
 * http and on private addresses). Internal hosts must be among the hosts: `hosts` is the whole list, always.
 */
export function checkHosts(hosts: readonly string[], internalHosts: readonly string[]): void {
  const errors: HostsProblem[] = [];
  if (hosts.length === 0) errors.push({ field: 'hosts', problems: ['must name at least one host'] });
  if (hosts.length > MAX_HOSTS) errors.push({ field: 'hosts', problems: [`may name at most ${MAX_HOSTS} hosts`] });
  const judge = (list: readonly string[], field: string) =>
    list.forEach((host, i) => {
      const problem = hostProblem(host);
      if (problem) errors.push({ field: `${field}.${i}`, problems: [problem] });
      else if (list.indexOf(host) !== i) errors.push({ field: `${field}.${i}`, problems: [`${host} is listed twice`] });
    });
  judge(hosts, 'hosts');
  judge(internalHosts, 'internal_hosts');
  internalHosts.forEach((host, i) => {
    if (!hosts.includes(host)) errors.push({ field: `internal_hosts.${i}`, problems: [`${host} is not one of the hosts: list it in hosts too`] });
  });
  if (errors.length > 0) {
    throw new DomainError('INVALID_HOST', errors.map((e) => `${e.field}: ${e.problems.join(', ')}`).join('; '), { errors });
  }
}
