/**
 * Address forms the response layer needs on top of the intel layer's parsing: blocks are keyed by the
 * canonical *host CIDR* (`198.51.100.7/32`, `2001:db8::7/128`), the form WAF IP sets and NACL entries take,
 * so the same address written two ways (`2001:DB8::7`, `::ffff:198.51.100.7`) is one block.
 */
import { parseCidr } from '../intel/cidr';
import { CidrSetBuilder, type CidrSet } from '../intel/cidr-set';
import { canonicalIp, formatIpv4, formatIpv6, ipVersion } from '../intel/ip';

export interface HostAddress {
  /** Canonical address text (dotted quad, or RFC 5952 IPv6). */
  readonly ip: string;
  /** `ip/32` or `ip/128`. */
  readonly cidr: string;
  readonly version: 4 | 6;
}

/**
 * The canonical host CIDR of an address (an IPv4-mapped IPv6 address counts as the IPv4 address).
 * @returns undefined when the text is not an address.
 * @example hostAddress('::ffff:198.51.100.7') // { ip: '198.51.100.7', cidr: '198.51.100.7/32', version: 4 }
 */
export function hostAddress(text: string): HostAddress | undefined {
  const ip = canonicalIp(text.trim());
  const version = ip === undefined ? undefined : ipVersion(ip);
  if (ip === undefined || version === undefined) return undefined;
  return { ip, cidr: `${ip}/${version === 4 ? 32 : 128}`, version };
}

/**
 * The canonical text of a CIDR block or address: network address in canonical form plus prefix. A bare
 * address becomes a host CIDR; host bits are cleared.
 * @example canonicalCidr('2001:DB8:0::5/64') // '2001:db8::/64'
 */
export function canonicalCidr(text: string): string | undefined {
  const range = parseCidr(text.trim());
  if (!range) return undefined;
  return range.version === 4 ? `${formatIpv4(range.first)}/${range.prefix}` : `${formatIpv6(range.first)}/${range.prefix}`;
}

/**
 * The host address a host CIDR names, or undefined for a wider block (Vigil only ever blocks single hosts,
 * so anything wider in an IP set or a NACL is someone else's entry).
 * @example cidrHost('198.51.100.7/32') // host of 198.51.100.7;  cidrHost('198.51.100.0/24') // undefined
 */
export function cidrHost(cidr: string): HostAddress | undefined {
  const range = parseCidr(cidr.trim());
  if (!range || range.prefix !== (range.version === 4 ? 32 : 128)) return undefined;
  return hostAddress(range.version === 4 ? formatIpv4(range.first) : formatIpv6(range.first));
}

/**
 * A {@link CidrSet} of the entries that are addresses or CIDR blocks, skipping any that are not (lists built
 * from finding fields, which may hold anything).
 */
export function lenientCidrSet(entries: Iterable<string>): CidrSet {
  const builder = new CidrSetBuilder();
  for (const entry of entries) builder.add(entry);
  return builder.build();
}
