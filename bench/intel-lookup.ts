/**
 * Measures the intel layer at GuardDuty's list limits: 250,000 entries per threat list.
 *
 *   npx tsx bench/intel-lookup.ts
 *
 * Prints build times and nanoseconds per lookup (hits and misses, IPv4, IPv6 and domains). Data is synthetic
 * and deterministic (a seeded generator), so runs compare. Targets: build < 1 s, lookup well under 1 µs.
 */
import { CidrSet } from '../lambdas/intel/cidr-set';
import { DomainSet } from '../lambdas/intel/domain-set';
import { formatIpv4 } from '../lambdas/intel/ip';
import { IntelRegistryBuilder } from '../lambdas/intel/registry';
import { mulberry32 } from '../scripts/prng';

const ENTRIES = 250_000;
const LOOKUPS = 2_000_000;


function publicIpv4(next: () => number): number {
  for (;;) {
    const n = Math.floor(next() * 0x100000000);
    const a = n >>> 24;
    if (a >= 1 && a < 224 && a !== 10 && a !== 127) return n;
  }
}

function time<T>(label: string, run: () => T): T {
  const start = performance.now();
  const result = run();
  console.log(`${label.padEnd(48)} ${(performance.now() - start).toFixed(1).padStart(8)} ms`);
  return result;
}

function perLookup(label: string, queries: readonly string[], lookup: (q: string) => unknown): void {
  // Warm up so the JIT has optimized the lookup before it is timed.
  for (let i = 0; i < 200_000; i++) lookup(queries[i % queries.length]!);
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < LOOKUPS; i++) if (lookup(queries[i % queries.length]!)) sink++;
  const ns = ((performance.now() - start) * 1e6) / LOOKUPS;
  console.log(`${label.padEnd(48)} ${ns.toFixed(0).padStart(8)} ns/lookup (${sink} truthy)`);
}

const next = mulberry32(42);
const ipEntries: string[] = [];
for (let i = 0; i < ENTRIES; i++) {
  const address = publicIpv4(next);
  // One entry in ten is a block, from /16 to /30, as in real feeds.
  ipEntries.push(i % 10 === 0 ? `${formatIpv4(address)}/${16 + Math.floor(next() * 15)}` : formatIpv4(address));
}
const ipText = `${ipEntries.join('\n')}\n`;
const domainEntries = Array.from({ length: ENTRIES }, (_, i) => `h${i.toString(36)}-${Math.floor(next() * 1e6).toString(36)}.bad${i % 5000}.example`);

const cidrs = time(`CidrSet.from, ${ENTRIES} entries`, () => CidrSet.from(ipEntries));
const domains = time(`DomainSet.from, ${ENTRIES} entries`, () => DomainSet.from(domainEntries));
const otherTexts = Array.from({ length: 4 }, () => Array.from({ length: ENTRIES }, () => formatIpv4(publicIpv4(next))).join('\n'));
const domainText = domainEntries.join('\n');
const registry = time(`IntelRegistryBuilder: 5 × ${ENTRIES / 1000}k-line IP lists + 1 domain list`, () => {
  const builder = new IntelRegistryBuilder();
  builder.add({ name: 'custom-1', category: 'custom', kind: 'threat', text: ipText });
  otherTexts.forEach((text, i) => builder.add({ name: `custom-${i + 2}`, category: 'custom', kind: 'threat', text }));
  builder.add({ name: 'domains', category: 'c2', kind: 'threat', text: domainText });
  builder.add({ name: 'trusted', category: 'custom', kind: 'trusted', text: '198.51.100.0/24\n' });
  return builder.build();
});
time(`  of which one ${ENTRIES / 1000}k-line TXT list, parsed and indexed`, () => {
  new IntelRegistryBuilder().add({ name: 'one', category: 'custom', kind: 'threat', text: ipText });
});

const missesV4 = Array.from({ length: 4096 }, () => formatIpv4(publicIpv4(next)));
const hitsV4 = Array.from({ length: 4096 }, (_, i) => ipEntries[(i * 61) % ENTRIES]!.split('/')[0]!);
const missesV6 = Array.from({ length: 4096 }, (_, i) => `2600:1f18:${(i * 7919).toString(16)}::${i.toString(16)}`);
const mapped = missesV4.map((ip) => `::ffff:${ip}`);
const domainHits = Array.from({ length: 4096 }, (_, i) => `www.${domainEntries[(i * 61) % ENTRIES]!}`);
const domainMisses = Array.from({ length: 4096 }, (_, i) => `api-${i}.service.benign-site.example.com`);

perLookup('(harness overhead: string length)', missesV4, (q) => q.length);
perLookup('CidrSet.has, IPv4 miss', missesV4, (q) => cidrs.has(q));
perLookup('CidrSet.find, IPv4 hit', hitsV4, (q) => cidrs.find(q));
perLookup('CidrSet.has, IPv6 miss', missesV6, (q) => cidrs.has(q));
perLookup('DomainSet.has, miss (5 labels)', domainMisses, (q) => domains.has(q));
perLookup('DomainSet.find, hit (parent of query)', domainHits, (q) => domains.find(q));
perLookup('IntelRegistry.matchIp, IPv4 miss (5 lists)', missesV4, (q) => registry.matchIp(q).length);
perLookup('IntelRegistry.matchIp, IPv4 hit (5 lists)', hitsV4, (q) => registry.matchIp(q).length);
perLookup('IntelRegistry.matchIp, IPv4-mapped miss', mapped, (q) => registry.matchIp(q).length);
perLookup('IntelRegistry.matchIp, IPv6 miss', missesV6, (q) => registry.matchIp(q).length);
perLookup('IntelRegistry.isTrustedIp, miss', missesV4, (q) => registry.isTrustedIp(q));
perLookup('IntelRegistry.matchDomain, miss', domainMisses, (q) => registry.matchDomain(q).length);
perLookup('IntelRegistry.matchDomain, hit', domainHits, (q) => registry.matchDomain(q).length);
