import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCidr } from '../../lambdas/intel/cidr';
import { CidrSet } from '../../lambdas/intel/cidr-set';
import { IntelConfigError, IntelFormatError } from '../../lambdas/intel/errors';
import { formatIpv4 } from '../../lambdas/intel/ip';
import { ADDRESS_CATEGORIES, DOMAIN_CATEGORIES, IntelRegistryBuilder, type IntelRegistryOptions } from '../../lambdas/intel/registry';
import { CUSTOM_CATEGORY } from '../../lambdas/intel/types';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function registry(options?: IntelRegistryOptions) {
  const builder = new IntelRegistryBuilder(options);
  builder.add({ name: 'bad-ips', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.0/24\n2001:db8:bad::/48\n10.0.0.0/8\nevil.example\n' });
  builder.add({ name: 'tor', category: 'tor-exit', kind: 'threat', text: fixture('tor-exit-addresses.txt') });
  builder.add({ name: 'c2-feed', category: 'c2', kind: 'threat', text: fixture('bundle.stix.json'), format: 'STIX' });
  builder.add({ name: 'office', category: CUSTOM_CATEGORY, kind: 'trusted', text: '198.51.100.7\n203.0.113.64\nupdates.vendor.example\n' });
  return builder.build();
}

describe('IntelRegistry.matchIp', () => {
  const intel = registry();

  it('names the list, its category, the matching entry and the file hash', () => {
    const text = '198.51.100.0/24\n';
    const builder = new IntelRegistryBuilder();
    builder.add({ name: 'bad-ips', category: CUSTOM_CATEGORY, kind: 'threat', text });
    expect(builder.build().matchIp('198.51.100.99')).toEqual([
      { listName: 'bad-ips', category: 'custom', kind: 'threat', entry: '198.51.100.0/24', fileSha256: createHash('sha256').update(text).digest('hex') },
    ]);
  });

  it('reports the first of entries that a list repeats', () => {
    const builder = new IntelRegistryBuilder();
    builder.add({ name: 'repeats', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.7/32\n198.51.100.7\nevil.example\nEVIL.example.\n' });
    const built = builder.build();
    expect(built.matchIp('198.51.100.7').map((m) => m.entry)).toEqual(['198.51.100.7/32']);
    expect(built.matchDomain('evil.example').map((m) => m.entry)).toEqual(['evil.example']);
  });

  it('returns every list that holds the address', () => {
    const matches = intel.matchIp('198.51.100.231');
    expect(matches.map((m) => [m.listName, m.category, m.entry])).toEqual([
      ['bad-ips', 'custom', '198.51.100.0/24'],
      ['tor', 'tor-exit', '198.51.100.231'],
    ]);
  });

  it('returns one shared, frozen empty array for every miss', () => {
    const first = intel.matchIp('8.8.8.8');
    expect(first).toHaveLength(0);
    expect(Object.isFrozen(first)).toBe(true);
    expect(intel.matchIp('2600:1f18::1')).toBe(first);
    expect(intel.matchIp('not an ip')).toBe(first);
  });

  it('returns the same frozen result each time one entry of one list is hit', () => {
    const first = intel.matchIp('203.0.113.9');
    expect(first.map((m) => m.listName)).toEqual(['c2-feed']);
    expect(intel.matchIp('203.0.113.9')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('matches IPv6 addresses and IPv4-mapped IPv6 addresses', () => {
    expect(intel.matchIp('2001:db8:bad::1').map((m) => m.entry)).toEqual(['2001:db8:bad::/48']);
    expect(intel.matchIp('::ffff:198.51.100.8').map((m) => m.entry)).toEqual(['198.51.100.0/24']);
  });

  it('still reports threat lists for an address that is also trusted, and calls it trusted', () => {
    expect(intel.matchIp('198.51.100.7').map((m) => m.listName)).toEqual(['bad-ips', 'c2-feed']);
    expect(intel.isTrustedIp('198.51.100.7')).toBe(true);
    expect(intel.isTrustedIp('::ffff:203.0.113.64')).toBe(true);
    expect(intel.isTrustedIp('198.51.100.8')).toBe(false);
  });

  it('ignores private addresses even when a list holds them, as GuardDuty does', () => {
    expect(intel.matchIp('10.1.2.3')).toHaveLength(0);
    expect(intel.matchIp('::ffff:10.1.2.3')).toHaveLength(0);
  });
});

describe('IntelRegistry address scope', () => {
  it('matches documentation addresses by default, so samples can use them as attackers', () => {
    expect(registry().matchIp('198.51.100.9')).toHaveLength(1);
  });

  it('matches only public addresses under the strict GuardDuty scope', () => {
    const strict = registry({ addressScope: 'public' });
    expect(strict.matchIp('198.51.100.9')).toHaveLength(0);
    expect(strict.isTrustedIp('198.51.100.7')).toBe(false);
  });

  it('matches private addresses when the scope is any', () => {
    expect(registry({ addressScope: 'any' }).matchIp('10.1.2.3').map((m) => m.entry)).toEqual(['10.0.0.0/8']);
  });
});

describe('IntelRegistry.matchDomain', () => {
  const intel = registry();

  it('matches a name through any of its parents, on every list that holds it', () => {
    expect(intel.matchDomain('WWW.C2.Evil.Example.').map((m) => [m.listName, m.entry])).toEqual([
      ['bad-ips', 'evil.example'],
      ['c2-feed', 'c2.evil.example'],
    ]);
  });

  it('returns the shared empty array for names on no list', () => {
    expect(intel.matchDomain('benign.example')).toBe(intel.matchIp('8.8.8.8'));
  });

  it('keeps trusted domains out of threat matches and answers isTrustedDomain', () => {
    expect(intel.matchDomain('updates.vendor.example')).toHaveLength(0);
    expect(intel.isTrustedDomain('cdn.updates.vendor.example')).toBe(true);
    expect(intel.isTrustedDomain('evil.example')).toBe(false);
  });
});

describe('IntelRegistryBuilder.add', () => {
  it('reports what each list yielded, with its located issues', () => {
    const builder = new IntelRegistryBuilder();
    const report = builder.add({ name: 'pulse', category: 'malicious', kind: 'threat', text: fixture('pulse.otx.csv'), format: 'OTX_CSV' });
    expect(report).toMatchObject({ name: 'pulse', format: 'otx-csv', entries: 5, ipEntries: 3, domainEntries: 2, ignored: 2, issueCount: 2 });
    expect(report.issues.map((i) => i.line)).toEqual([10, 11]);
    expect(builder.build().lists).toEqual([report]);
  });

  it('takes the given file hash rather than computing one, and has none for lines without one', () => {
    const builder = new IntelRegistryBuilder();
    expect(builder.add({ name: 'a', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n', sha256: 'abc' }).sha256).toBe('abc');
    expect(builder.add({ name: 'b', category: CUSTOM_CATEGORY, kind: 'threat', text: ['198.51.100.2'] }).sha256).toBeUndefined();
    expect(builder.build().matchIp('198.51.100.2')[0]).not.toHaveProperty('fileSha256');
  });

  it('accepts every known category', () => {
    const builder = new IntelRegistryBuilder();
    for (const category of new Set([CUSTOM_CATEGORY, ...ADDRESS_CATEGORIES, ...DOMAIN_CATEGORIES])) {
      builder.add({ name: `list-${category}`, category, kind: 'threat', text: '198.51.100.1\n' });
    }
    expect(builder.build().matchIp('198.51.100.1')).toHaveLength(1 + new Set([...ADDRESS_CATEGORIES, ...DOMAIN_CATEGORIES]).size);
  });

  it('refuses unknown categories, duplicate or empty names and unknown formats', () => {
    const builder = new IntelRegistryBuilder();
    builder.add({ name: 'one', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n' });
    expect(() => builder.add({ name: 'two', category: 'botnet', kind: 'threat', text: '198.51.100.1\n' })).toThrow(IntelConfigError);
    expect(() => builder.add({ name: 'one', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n' })).toThrow(/used twice/);
    expect(() => builder.add({ name: ' ', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n' })).toThrow(IntelConfigError);
    expect(() => builder.add({ name: 'three', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n', format: 'PROOF_POINT' })).toThrow(IntelConfigError);
  });

  it('throws a format error naming the list for an unusable file and keeps the lists already added', () => {
    const builder = new IntelRegistryBuilder();
    builder.add({ name: 'good', category: CUSTOM_CATEGORY, kind: 'threat', text: '198.51.100.1\n' });
    expect(() => builder.add({ name: 'broken', category: 'c2', kind: 'threat', text: '{ not json' })).toThrow(IntelFormatError);
    const built = builder.build();
    expect(built.lists.map((l) => l.name)).toEqual(['good']);
    expect(built.matchIp('198.51.100.1')).toHaveLength(1);
  });

  it('builds a registry that knows nothing when no list is added', () => {
    const empty = new IntelRegistryBuilder().build();
    expect(empty.matchIp('198.51.100.1')).toHaveLength(0);
    expect(empty.matchDomain('evil.example')).toHaveLength(0);
    expect(empty.isTrustedIp('198.51.100.1')).toBe(false);
  });
});

describe('IntelRegistry agrees with looking each list up on its own', () => {
  it('on random overlapping lists, for every address and block boundary', () => {
    // Blocks drawn from one public /16 so lists overlap, nest and touch.
    const base = 0x08080000;
    const address = fc.integer({ min: 0, max: 0xffff }).map((offset) => base + offset);
    const entry = fc.tuple(address, fc.integer({ min: 18, max: 32 })).map(([a, p]) => `${formatIpv4(a)}/${p}`);
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 25 }), { minLength: 1, maxLength: 4 }), fc.array(address, { maxLength: 40 }), (lists, probes) => {
        const builder = new IntelRegistryBuilder({ addressScope: 'any' });
        const sets = lists.map((entries, j) => {
          builder.add({ name: `list-${j}`, category: CUSTOM_CATEGORY, kind: 'threat', text: entries.join('\n'), format: 'txt' });
          return CidrSet.from(entries);
        });
        const intel = builder.build();
        const boundaries = lists.flat().flatMap((e) => {
          const r = parseCidr(e) as { first: number; last: number };
          return [r.first - 1, r.first, r.last, r.last + 1];
        });
        for (const probe of [...probes, ...boundaries]) {
          const ip = formatIpv4(probe);
          const expected = sets.flatMap((set, j) => {
            const found = set.find(ip);
            return found === undefined ? [] : [[`list-${j}`, found]];
          });
          expect(intel.matchIp(ip).map((m) => [m.listName, m.entry])).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });
});
