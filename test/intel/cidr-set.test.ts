import fc from 'fast-check';
import { parseCidr } from '../../lambdas/intel/cidr';
import { CidrSet, CidrSetBuilder } from '../../lambdas/intel/cidr-set';
import { IntelEntryError } from '../../lambdas/intel/errors';
import { formatIpv4, formatIpv6 } from '../../lambdas/intel/ip';

describe('parseCidr', () => {
  it('reads a block written with host bits set as the block that contains it', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ version: 4, first: 0x0a000000, last: 0x0affffff, prefix: 8 });
  });

  it('reads an address without a prefix as a /32 or /128', () => {
    expect(parseCidr('198.51.100.7')).toMatchObject({ version: 4, prefix: 32 });
    expect(parseCidr('2001:db8::1')).toMatchObject({ version: 6, prefix: 128 });
  });

  it('reads IPv4-mapped IPv6 blocks as IPv4', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ version: 4, first: 0x0a000000, last: 0x0affffff, prefix: 8 });
    expect(parseCidr('::ffff:192.0.2.1')).toEqual({ version: 4, first: 0xc0000201, last: 0xc0000201, prefix: 32 });
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '2001:db8::/129', 'fe80::1%eth0/64', 'evil.example', '', '/24'])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('CidrSet edge cases', () => {
  it('matches every IPv4 address with 0.0.0.0/0 and no IPv6 address', () => {
    const set = CidrSet.from(['0.0.0.0/0']);
    for (const ip of ['0.0.0.0', '8.8.8.8', '255.255.255.255', '::ffff:1.2.3.4']) expect(set.find(ip)).toBe('0.0.0.0/0');
    expect(set.has('2001:db8::1')).toBe(false);
  });

  it('matches every IPv6 address with ::/0 but not IPv4 or IPv4-mapped addresses', () => {
    const set = CidrSet.from(['::/0']);
    for (const ip of ['::', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) expect(set.has(ip)).toBe(true);
    expect(set.has('1.2.3.4')).toBe(false);
    expect(set.has('::ffff:1.2.3.4')).toBe(false);
  });

  it('matches a /32 and a /128 on exactly one address', () => {
    const set = CidrSet.from(['198.51.100.7/32', '2001:db8::7/128']);
    expect(set.has('198.51.100.7')).toBe(true);
    expect(set.has('198.51.100.6')).toBe(false);
    expect(set.has('198.51.100.8')).toBe(false);
    expect(set.has('2001:db8::7')).toBe(true);
    expect(set.has('2001:db8::6')).toBe(false);
    expect(set.has('2001:db8::8')).toBe(false);
  });

  it('returns the most specific of nested blocks, and the outer block around it', () => {
    const set = CidrSet.from(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '10.1.2.0/24']);
    expect(set.find('10.1.2.3')).toBe('10.1.2.3');
    expect(set.find('10.1.2.4')).toBe('10.1.2.0/24');
    expect(set.find('10.1.3.0')).toBe('10.1.0.0/16');
    expect(set.find('10.2.0.0')).toBe('10.0.0.0/8');
    expect(set.find('10.255.255.255')).toBe('10.0.0.0/8');
    expect(set.find('11.0.0.0')).toBeUndefined();
    expect(set.find('9.255.255.255')).toBeUndefined();
  });

  it('keeps the first of identical blocks, however they are written', () => {
    const set = CidrSet.from(['10.9.8.7/8', '10.0.0.0/8']);
    expect(set.find('10.1.1.1')).toBe('10.9.8.7/8');
    expect(set.size).toBe(2);
  });

  it('tells adjacent blocks apart at their shared boundary', () => {
    const set = CidrSet.from(['192.0.2.0/25', '192.0.2.128/25']);
    expect(set.find('192.0.2.127')).toBe('192.0.2.0/25');
    expect(set.find('192.0.2.128')).toBe('192.0.2.128/25');
    expect(set.find('192.0.3.0')).toBeUndefined();
  });

  it('handles blocks that end at the last address of each family', () => {
    const set = CidrSet.from(['240.0.0.0/4', 'ff00::/8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
    expect(set.find('255.255.255.255')).toBe('240.0.0.0/4');
    expect(set.find('239.255.255.255')).toBeUndefined();
    expect(set.find('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(set.find('ff02::1')).toBe('ff00::/8');
  });

  it('matches IPv4-mapped queries against IPv4 entries and mapped entries against IPv4 queries', () => {
    const set = CidrSet.from(['198.51.100.0/24', '::ffff:203.0.113.0/120']);
    expect(set.find('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(set.find('203.0.113.200')).toBe('::ffff:203.0.113.0/120');
  });

  it('returns the entry as written, host bits and all', () => {
    expect(CidrSet.from(['  10.1.2.3/8  ']).find('10.200.0.1')).toBe('10.1.2.3/8');
  });

  it('answers false for text that is not an address, and for an empty set', () => {
    const set = CidrSet.from(['10.0.0.0/8']);
    expect(set.has('10.0.0.0/8')).toBe(false);
    expect(set.has('')).toBe(false);
    expect(set.has('evil.example')).toBe(false);
    expect(CidrSet.from([]).has('10.0.0.1')).toBe(false);
    expect(CidrSet.from([]).has('::1')).toBe(false);
  });

  it('refuses entries that are not addresses or blocks, naming them', () => {
    expect(() => CidrSet.from(['10.0.0.0/8', 'evil.example'])).toThrow(IntelEntryError);
    expect(new CidrSetBuilder().add('10.0.0.0/40')).toBe(false);
  });
});

/** The obvious implementation the fast one must agree with: scan every entry, keep the longest prefix. */
class NaiveCidrSet {
  private readonly ranges: Array<{ text: string; version: 4 | 6; first: bigint; last: bigint; prefix: number }> = [];

  constructor(entries: readonly string[]) {
    for (const text of entries) {
      const range = parseCidr(text)!;
      const toBig = (v: number | Uint32Array): bigint => (typeof v === 'number' ? BigInt(v) : v.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n));
      this.ranges.push({ text, version: range.version, first: toBig(range.first), last: toBig(range.last), prefix: range.prefix });
    }
  }

  find(version: 4 | 6, address: bigint): string | undefined {
    let best: { text: string; prefix: number } | undefined;
    for (const r of this.ranges) {
      if (r.version === version && r.first <= address && address <= r.last && (best === undefined || r.prefix > best.prefix)) best = r;
    }
    return best?.text;
  }
}

function v6Text(value: bigint): string {
  const words = [96n, 64n, 32n, 0n].map((shift) => Number((value >> shift) & 0xffffffffn));
  return formatIpv6(words);
}

describe('CidrSet agrees with a naive reference', () => {
  // Addresses are drawn from a small window so that random blocks nest, overlap and touch often.
  const v4Base = 0x0a000000;
  const v4Address = fc.integer({ min: 0, max: 0xffff }).map((offset) => v4Base + offset);
  const v4Entry = fc.tuple(v4Address, fc.integer({ min: 14, max: 32 })).map(([address, prefix]) => `${formatIpv4(address)}/${prefix}`);

  it('on random IPv4 blocks and addresses, including every block boundary', () => {
    fc.assert(
      fc.property(fc.array(v4Entry, { maxLength: 40 }), fc.array(v4Address, { maxLength: 40 }), (entries, probes) => {
        const set = CidrSet.from(entries);
        const naive = new NaiveCidrSet(entries);
        const boundaries = entries.flatMap((e) => {
          const r = parseCidr(e)!;
          return r.version === 4 ? [r.first - 1, r.first, r.last, r.last + 1].filter((a) => a >= 0 && a <= 0xffffffff) : [];
        });
        for (const address of [...probes, ...boundaries]) {
          const expected = naive.find(4, BigInt(address));
          expect(set.find(formatIpv4(address))).toBe(expected);
          expect(set.has(formatIpv4(address))).toBe(expected !== undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on random IPv6 blocks and addresses, including every block boundary', () => {
    const base = 0x20010db8n << 96n;
    const v6Address = fc.bigInt({ min: 0n, max: (1n << 20n) - 1n }).map((offset) => base + (offset << 100n) / (1n << 20n) + offset);
    const v6Entry = fc.tuple(v6Address, fc.integer({ min: 28, max: 128 })).map(([address, prefix]) => `${v6Text(address)}/${prefix}`);
    const max = (1n << 128n) - 1n;
    fc.assert(
      fc.property(fc.array(v6Entry, { maxLength: 40 }), fc.array(v6Address, { maxLength: 40 }), (entries, probes) => {
        const set = CidrSet.from(entries);
        const naive = new NaiveCidrSet(entries);
        const boundaries: bigint[] = [];
        for (const e of entries) {
          const r = parseCidr(e)!;
          if (r.version !== 6) continue;
          const first = r.first.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
          const last = r.last.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
          boundaries.push(...[first - 1n, first, last, last + 1n].filter((a) => a >= 0n && a <= max));
        }
        for (const address of [...probes, ...boundaries]) {
          expect(set.find(v6Text(address))).toBe(naive.find(6, address));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('on blocks of every prefix length anywhere in IPv4', () => {
    const anyEntry = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${formatIpv4(a)}/${p}`);
    fc.assert(
      fc.property(fc.array(anyEntry, { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 30 }), (entries, probes) => {
        const set = CidrSet.from(entries);
        const naive = new NaiveCidrSet(entries);
        for (const address of probes) expect(set.find(formatIpv4(address))).toBe(naive.find(4, BigInt(address)));
      }),
      { numRuns: 200 },
    );
  });

  it('on sets large enough to use the /16 bucket index', () => {
    const anywhere = fc.integer({ min: 0, max: 0xffffffff });
    const entry = fc.tuple(anywhere, fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${formatIpv4(a)}/${p}`);
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1500, maxLength: 1500 }), fc.array(anywhere, { maxLength: 300 }), (entries, probes) => {
        const set = CidrSet.from(entries);
        const ranges = entries.map((text) => ({ text, range: parseCidr(text) as { first: number; last: number; prefix: number } }));
        const naiveFind = (address: number): string | undefined => {
          let best: { text: string; prefix: number } | undefined;
          for (const { text, range } of ranges) {
            if (range.first <= address && address <= range.last && (best === undefined || range.prefix > best.prefix)) best = { text, prefix: range.prefix };
          }
          return best?.text;
        };
        const boundaries = ranges.slice(0, 200).flatMap(({ range }) => [range.first - 1, range.first, range.last, range.last + 1].filter((a) => a >= 0 && a <= 0xffffffff));
        for (const address of [...probes, ...boundaries]) expect(set.find(formatIpv4(address))).toBe(naiveFind(address));
      }),
      // Shrinking 1,500-entry counterexamples takes minutes; the first one found is reported as is.
      { numRuns: 10, endOnFailure: true },
    );
  });
});

