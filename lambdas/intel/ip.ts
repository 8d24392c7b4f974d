/**
 * IP address parsing and classification for the hot path.
 *
 * Network detectors ask about every flow record (hundreds of thousands per second), so the IPv4 functions
 * here read the string in place and never allocate: an IPv4 address becomes an unsigned 32-bit number, an
 * IPv6 address four unsigned 32-bit words written into a caller's (or this module's scratch) typed array.
 *
 * One rule holds across the intel layer: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) *is* the IPv4
 * address it carries. A dual-stack socket reports IPv4 peers that way, and a list entry `192.0.2.1` must match
 * it, be classified like it and be blocked as it.
 *
 * Classification follows IANA's IPv4 and IPv6 special-purpose address registries (and, for IPv6, the rule that
 * only 2000::/3 is allocated global unicast).
 */

/** How Vigil treats an address. Only `public` addresses are matched against threat and trusted lists. */
export type IpClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'multicast'
  | 'documentation'
  | 'reserved'
  | 'invalid';

/** How {@link isPublicIp} treats the documentation ranges. */
export interface PublicIpOptions {
  /**
   * Count the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20)
   * as public. They never appear in real traffic, so this changes nothing in production; synthetic samples and
   * tests use them as attacker addresses.
   * @default false
   */
  readonly documentationIsPublic?: boolean;
}

/** Reused by the string-taking functions below; safe because nothing here re-enters or yields. */
const SCRATCH_V6 = new Uint32Array(4);
const SCRATCH_GROUPS = new Uint16Array(8);

/**
 * Parses a dotted-quad IPv4 address (strict: four decimal octets, no leading zeros, nothing around it).
 * `start`/`end` let callers parse a slice (e.g. the address part of a CIDR) without cutting the string.
 *
 * @returns the address as an unsigned 32-bit number (0…4294967295), or -1 when the text is not one.
 * @example
 * parseIpv4('192.0.2.1')    // 3221225985
 * parseIpv4('192.0.2.01')   // -1 (a leading zero reads as octal in some tools; refuse the ambiguity)
 */
export function parseIpv4(s: string, start = 0, end = s.length): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      // Multiplication, not shifts: shifts would go negative above 2^31.
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Parses an IPv6 address (RFC 4291 text forms: full, `::`-compressed, with a dotted IPv4 tail; a `%zone`
 * suffix is accepted and ignored) into four big-endian 32-bit words at `out[offset…offset+3]`, without
 * allocating.
 *
 * @returns false (leaving `out` in an unspecified state) when the text is not an IPv6 address.
 */
export function parseIpv6Into(s: string, out: Uint32Array, offset = 0, start = 0, end = s.length): boolean {
  const zone = s.indexOf('%', start);
  if (zone >= 0 && zone < end) {
    if (zone === end - 1) return false;
    end = zone;
  }
  if (end - start < 2) return false;
  const groups = SCRATCH_GROUPS;
  let count = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (count === 8) return false;
    let j = i;
    let value = 0;
    while (j < end && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (j === i) return false;
    if (j < end && s.charCodeAt(j) === 46) {
      // A dotted IPv4 tail fills the last two groups and must end the address.
      if (count > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (j - i > 4) return false;
    groups[count++] = value;
    if (j === end) break;
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && s.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = count;
      j++;
    } else if (j === end) {
      return false;
    }
    i = j;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    // `::` stands for at least one group of zeros.
    if (count > 7) return false;
    const zeros = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + zeros] = groups[k]!;
    for (let k = gap; k < gap + zeros; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[offset + k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
  return true;
}

/**
 * Parses an IPv6 address into a new four-word array (a convenience for cold paths; hot paths use
 * {@link parseIpv6Into}).
 * @example parseIpv6('2001:db8::1') // Uint32Array [0x20010db8, 0, 0, 1]
 */
export function parseIpv6(s: string): Uint32Array | undefined {
  const out = new Uint32Array(4);
  return parseIpv6Into(s, out) ? out : undefined;
}

/** Whether four words at `offset` hold an IPv4-mapped address (`::ffff:0:0/96`). */
export function isIpv4MappedWords(words: ArrayLike<number>, offset = 0): boolean {
  return words[offset] === 0 && words[offset + 1] === 0 && words[offset + 2] === 0xffff;
}

/**
 * The IP version Vigil treats the text as: 4 for dotted quads *and* IPv4-mapped IPv6, 6 for other IPv6,
 * undefined when it is not an address. Use {@link canonicalIp} for the matching text form.
 */
export function ipVersion(s: string): 4 | 6 | undefined {
  if (parseIpv4(s) >= 0) return 4;
  if (!parseIpv6Into(s, SCRATCH_V6)) return undefined;
  return isIpv4MappedWords(SCRATCH_V6) ? 4 : 6;
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** RFC 5952 text of an IPv6 address (lower case, longest run of two or more zero groups shortened to `::`). */
export function formatIpv6(words: ArrayLike<number>, offset = 0): string {
  const groups: number[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[offset + k]!;
    groups.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let run = k;
    while (run < 8 && groups[run] === 0) run++;
    if (run - k > bestLength) {
      bestStart = k;
      bestLength = run - k;
    }
    k = run;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The canonical text of an address: dotted quad for IPv4 and IPv4-mapped IPv6, RFC 5952 for other IPv6.
 * Useful wherever text identifies an address (WAF IP sets, aggregation keys, finding fields).
 * @example canonicalIp('::FFFF:192.0.2.1') // '192.0.2.1'
 */
export function canonicalIp(s: string): string | undefined {
  const v4 = parseIpv4(s);
  if (v4 >= 0) return s;
  if (!parseIpv6Into(s, SCRATCH_V6)) return undefined;
  return isIpv4MappedWords(SCRATCH_V6) ? formatIpv4(SCRATCH_V6[3]!) : formatIpv6(SCRATCH_V6);
}

/**
 * Classifies an IPv4 address given as an unsigned 32-bit number (IANA IPv4 special-purpose registry).
 * Carrier-grade NAT space (100.64.0.0/10) counts as private; 0.0.0.0/8, benchmarking (198.18.0.0/15), the
 * deprecated 6to4 relay anycast and 240.0.0.0/4 (including the broadcast address) as reserved. The few
 * special-purpose blocks IANA marks globally reachable (192.0.0.9, 192.0.0.10, AS112, AMT) stay public.
 */
export function classifyIpv4(n: number): IpClass {
  const a = n >>> 24;
  const b = (n >>> 16) & 0xff;
  const c = (n >>> 8) & 0xff;
  switch (a) {
    case 0:
      return 'reserved';
    case 10:
      return 'private';
    case 100:
      return b >= 64 && b <= 127 ? 'private' : 'public';
    case 127:
      return 'loopback';
    case 169:
      return b === 254 ? 'link-local' : 'public';
    case 172:
      return b >= 16 && b <= 31 ? 'private' : 'public';
    case 192:
      if (b === 168) return 'private';
      if (b === 0 && c === 0) {
        const d = n & 0xff;
        return d === 9 || d === 10 ? 'public' : 'reserved';
      }
      if (b === 0 && c === 2) return 'documentation';
      if (b === 88 && c === 99) return 'reserved';
      return 'public';
    case 198:
      if (b === 18 || b === 19) return 'reserved';
      if (b === 51 && c === 100) return 'documentation';
      return 'public';
    case 203:
      return b === 0 && c === 113 ? 'documentation' : 'public';
    default:
      if (a >= 240) return 'reserved';
      if (a >= 224) return 'multicast';
      return 'public';
  }
}

/**
 * Classifies an IPv6 address given as four words (IANA IPv6 special-purpose registry). IPv4-mapped addresses
 * are classified as the IPv4 address they carry. Anything outside 2000::/3 that no special-purpose entry
 * names is reserved (unallocated), except the NAT64 well-known prefix 64:ff9b::/96, which IANA marks
 * globally reachable.
 */
export function classifyIpv6(words: ArrayLike<number>, offset = 0): IpClass {
  const w0 = words[offset]!;
  const w1 = words[offset + 1]!;
  const w2 = words[offset + 2]!;
  const w3 = words[offset + 3]!;
  if (w0 === 0 && w1 === 0) {
    if (w2 === 0xffff) return classifyIpv4(w3);
    if (w2 === 0 && w3 === 1) return 'loopback';
    return 'reserved';
  }
  if (w0 === 0x0064ff9b) {
    if (w1 === 0 && w2 === 0) return 'public';
    if (w1 >>> 16 === 1) return 'private';
    return 'reserved';
  }
  const top = w0 >>> 16;
  const second = w0 & 0xffff;
  if (top >>> 8 === 0xff) return 'multicast';
  if ((top & 0xffc0) === 0xfe80) return 'link-local';
  if ((top & 0xffc0) === 0xfec0) return 'reserved';
  if ((top & 0xfe00) === 0xfc00) return 'private';
  if (w0 === 0x20010db8 || (top === 0x3fff && second >>> 12 === 0)) return 'documentation';
  if ((top & 0xe000) !== 0x2000) return 'reserved';
  if (top === 0x2001 && second < 0x0200) {
    // 2001::/23 is IETF protocol assignments; IANA marks these sub-blocks globally reachable.
    if (second === 0 || second === 3) return 'public';
    if (second === 1 && w1 === 0 && w2 === 0 && w3 >= 1 && w3 <= 3) return 'public';
    if (second === 4 && w1 >>> 16 === 0x0112) return 'public';
    if (second >= 0x20 && second <= 0x3f) return 'public';
    return 'reserved';
  }
  return 'public';
}

/**
 * Classifies an address given as text.
 * @example
 * classifyIp('10.1.2.3')          // 'private'
 * classifyIp('203.0.113.7')       // 'documentation'
 * classifyIp('::ffff:127.0.0.1')  // 'loopback'
 * classifyIp('not-an-ip')         // 'invalid'
 */
export function classifyIp(s: string): IpClass {
  const v4 = parseIpv4(s);
  if (v4 >= 0) return classifyIpv4(v4);
  if (!parseIpv6Into(s, SCRATCH_V6)) return 'invalid';
  return classifyIpv6(SCRATCH_V6);
}

/** Whether a class counts as publicly routable under the given options. */
export function isPublicClass(ipClass: IpClass, options?: PublicIpOptions): boolean {
  return ipClass === 'public' || (ipClass === 'documentation' && options?.documentationIsPublic === true);
}

/**
 * Whether the address is publicly routable: false for private, CGNAT, loopback, link-local, multicast,
 * broadcast, reserved and (unless `documentationIsPublic`) documentation ranges, and for non-addresses.
 * @example isPublicIp('198.51.100.4', { documentationIsPublic: true }) // true
 */
export function isPublicIp(s: string, options?: PublicIpOptions): boolean {
  return isPublicClass(classifyIp(s), options);
}

/** {@link isPublicIp} with the documentation ranges counted as public: the check samples and tests need. */
export function isRoutableOrDocumentationIp(s: string): boolean {
  const ipClass = classifyIp(s);
  return ipClass === 'public' || ipClass === 'documentation';
}
