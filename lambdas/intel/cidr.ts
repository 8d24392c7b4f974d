/**
 * CIDR notation: an address or a block (`192.0.2.0/24`, `2001:db8::/32`) read as a numeric range.
 *
 * A block written with host bits set (`10.1.2.3/8`) is read as the block that contains it (`10.0.0.0/8`):
 * feeds often write it that way and the intent is clear. IPv4-mapped IPv6 blocks inside `::ffff:0:0/96` are
 * read as the IPv4 blocks they denote, following the intel layer's rule that a mapped address is IPv4.
 */
import { isIpv4MappedWords, parseIpv4, parseIpv6Into } from './ip';

/** An IPv4 address or block as a numeric range. */
export interface Ipv4Range {
  readonly version: 4;
  /** First and last address of the block, unsigned 32-bit. */
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

/** An IPv6 address or block as a numeric range (IPv4-mapped ones are read as {@link Ipv4Range}). */
export interface Ipv6Range {
  readonly version: 6;
  /** First and last address of the block, four big-endian 32-bit words each. */
  readonly first: Uint32Array;
  readonly last: Uint32Array;
  readonly prefix: number;
}

/** An address or block of either family. */
export type IpRange = Ipv4Range | Ipv6Range;

/** Reads the decimal prefix length from `start` to the end; -1 when it is not one (empty, signed, leading zero, > max). */
export function parsePrefix(s: string, start: number, max: number): number {
  const length = s.length - start;
  if (length < 1 || length > 3) return -1;
  if (length > 1 && s.charCodeAt(start) === 48) return -1;
  let value = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value <= max ? value : -1;
}

/** The network mask of a 32-bit word that holds `bits` (0…32) prefix bits. */
export function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

function ipv4Range(address: number, prefix: number): Ipv4Range {
  const mask = wordMask(prefix);
  const first = (address & mask) >>> 0;
  return { version: 4, first, last: (first | ~mask) >>> 0, prefix };
}

/**
 * Reads an IP address or CIDR block.
 *
 * @returns the range, or undefined when the text is neither (the caller decides whether that is an issue).
 * @example
 * parseCidr('203.0.113.0/24')     // { version: 4, first: 3405803776, last: 3405804031, prefix: 24 }
 * parseCidr('::ffff:10.0.0.0/104') // { version: 4, first: 167772160, last: 184549375, prefix: 8 }
 * parseCidr('198.51.100.7')       // a /32
 */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  const v4 = parseIpv4(text, 0, addressEnd);
  if (v4 >= 0) {
    const prefix = slash < 0 ? 32 : parsePrefix(text, slash + 1, 32);
    return prefix < 0 ? undefined : ipv4Range(v4, prefix);
  }
  const words = new Uint32Array(4);
  // A zone index has no meaning in a list entry.
  if (text.lastIndexOf('%', addressEnd) >= 0 || !parseIpv6Into(text, words, 0, 0, addressEnd)) return undefined;
  const prefix = slash < 0 ? 128 : parsePrefix(text, slash + 1, 128);
  if (prefix < 0) return undefined;
  if (prefix >= 96 && isIpv4MappedWords(words)) return ipv4Range(words[3]!, prefix - 96);
  const first = new Uint32Array(4);
  const last = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    const mask = wordMask(prefix - 32 * k);
    first[k] = (words[k]! & mask) >>> 0;
    last[k] = (first[k]! | ~mask) >>> 0;
  }
  return { version: 6, first, last, prefix };
}
