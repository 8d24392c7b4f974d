/**
 * Traffic with internet addresses on threat-intelligence feeds (`--intel CATEGORY=FILE`), GuardDuty's
 * IP-based EC2 threat-intel findings:
 *
 * | feed category | finding type | severity | counted |
 * | --- | --- | --- | --- |
 * | `c2` | Backdoor:EC2/C&CActivity.B | High | connections either way |
 * | `mining` | CryptoCurrency:EC2/BitcoinTool.B | High | connections either way |
 * | `blackhole` | Trojan:EC2/BlackholeTraffic | Medium | connections the instance opens |
 * | `drop-point` | Trojan:EC2/DropPoint | Medium | connections the instance opens |
 *
 * Connections the instance opens count even when its own security group rejected them (`blocked: true` in
 * the action): the attempt is the evidence that something on the instance wants to reach the address.
 * Connections the remote side opens count only when accepted (otherwise the controls did their job).
 * The role follows who connected: ACTOR when the instance did, TARGET when the listed address did.
 * (Custom threat lists raise UnauthorizedAccess:EC2/MaliciousIPCaller.Custom: ec2-malicious-ip-caller.ts.)
 *
 * Without a mining feed, BitcoinTool.B is also raised by a port heuristic: a sustained outbound connection
 * to an internet host on a cryptocurrency port (`stratumPorts`, the curated list in
 * lambdas/intel/defaults/mining-ports.ts). Miners and full nodes hold one connection open for hours;
 * `stratumMinMinutes` = 20 minutes of records to one host and port within a one-hour window separates
 * that from a one-off connection to a port that other software happens to use. Set `stratumPorts` to an
 * empty string to turn the heuristic off.
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import { SEVERITY, type SeverityLevel } from '../engine/finding';
import { windowStart } from '../engine/state';
import { cryptoPortUse, DEFAULT_CRYPTO_PORT_LIST } from '../intel/defaults/mining-ports';
import type { IntelMatch } from '../intel/types';
import { CASE_EPOCH, flow } from './common/fixtures';
import { type FlowView, flowView, onInstance, remoteMatches } from './common/network';
import { portListSetting } from './common/settings';
import { threatIntelligence } from './malicious-ip-caller';

interface IpThreat {
  readonly type: string;
  readonly level: SeverityLevel;
  readonly threatName: string;
  readonly what: string;
  /** Whether connections the listed address opens to the instance count. */
  readonly inbound: boolean;
}

const THREATS_BY_CATEGORY: Readonly<Record<string, IpThreat>> = {
  c2: { type: 'Backdoor:EC2/C&CActivity.B', level: 'High', threatName: 'CommandAndControl', what: 'a known command and control server', inbound: true },
  mining: { type: 'CryptoCurrency:EC2/BitcoinTool.B', level: 'High', threatName: 'CryptoCurrencyMining', what: 'an address associated with cryptocurrency mining', inbound: true },
  blackhole: { type: 'Trojan:EC2/BlackholeTraffic', level: 'Medium', threatName: 'Blackhole', what: 'a black-holed (sinkholed) address', inbound: false },
  'drop-point': { type: 'Trojan:EC2/DropPoint', level: 'Medium', threatName: 'DropPoint', what: 'a known drop point for stolen data', inbound: false },
};

export const IP_THREAT_CATEGORIES = Object.keys(THREATS_BY_CATEGORY);
const MINING = THREATS_BY_CATEGORY.mining!;
const TCP = 6;

// ---------------------------------------------------------------------------------------------------------
// Cases

const FEEDS = [
  { name: 'c2-feed', category: 'c2', kind: 'threat' as const, entries: ['192.0.2.66'] },
  { name: 'pools', category: 'mining', kind: 'threat' as const, entries: ['198.51.100.128/25'] },
  { name: 'sinkholes', category: 'blackhole', kind: 'threat' as const, entries: ['203.0.113.13'] },
  { name: 'drops', category: 'drop-point', kind: 'threat' as const, entries: ['203.0.113.14'] },
];
const APP = '10.0.2.20';
const out = (dstAddr: string, dstPort: number, extra: Parameters<typeof flow>[0] = {}) => flow({ srcAddr: APP, srcPort: 44_123, dstAddr, dstPort, ...extra });

const cases: DetectorCase<'vpcflow'>[] = [
  { name: 'the instance beacons to a C&C server over HTTPS', intel: FEEDS, events: [out('192.0.2.66', 443)], expect: ['Backdoor:EC2/C&CActivity.B'] },
  { name: 'the instance connects to a listed mining pool', intel: FEEDS, events: [out('198.51.100.200', 3333)], expect: ['CryptoCurrency:EC2/BitcoinTool.B'] },
  { name: 'the instance tries a sinkholed address, blocked by its own security group', intel: FEEDS, events: [out('203.0.113.13', 80, { action: 'REJECT' })], expect: ['Trojan:EC2/BlackholeTraffic'] },
  { name: 'the instance uploads to a drop point', intel: FEEDS, events: [out('203.0.113.14', 443, { bytes: 9_000_000, packets: 7_000 })], expect: ['Trojan:EC2/DropPoint'] },
  {
    name: 'without a mining feed: a connection to a stratum port held for 40 minutes',
    events: Array.from({ length: 4 }, (_, i) => out('198.51.100.9', 3333, { time: CASE_EPOCH + i * 600_000, packets: 30, bytes: 3_000 })),
    expect: ['CryptoCurrency:EC2/BitcoinTool.B'],
  },
  { name: 'near miss: a listed C&C address knocks on the instance and is rejected', intel: FEEDS, events: [flow({ srcAddr: '192.0.2.66', dstPort: 22, action: 'REJECT' })], expect: [] },
  { name: 'near miss: a sinkholed address connects in (only outbound attempts count)', intel: FEEDS, events: [flow({ srcAddr: '203.0.113.13', dstPort: 8443 })], expect: [] },
  {
    name: 'near miss: a stratum port used for ten minutes only',
    events: [out('198.51.100.9', 3333, { packets: 30, bytes: 3_000 })],
    expect: [],
  },
  {
    name: 'benign: ordinary web traffic next to the listed addresses',
    intel: FEEDS,
    events: [out('192.0.2.67', 443), out('198.51.100.127', 443), flow({ srcAddr: '198.51.100.20', dstPort: 443 })],
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

export default defineDetector<'vpcflow', FlowView>({
  source: 'vpcflow',
  meta: {
    id: 'ec2-threat-intel',
    title: 'Traffic with addresses on threat-intelligence feeds (C&C, mining, black holes, drop points)',
    findingTypes: [
      ...Object.values(THREATS_BY_CATEGORY).map((t) => ({
        type: t.type,
        severity: t.level,
        resourceType: 'Instance' as const,
        description: `The instance communicates with ${t.what}.`,
      })),
    ],
    mitre: { tactic: 'Command and Control', technique: 'T1071 Application Layer Protocol' },
    runbook: 'Treat the instance as compromised: isolate it, find the process making the connections, and rebuild it from a known-good image.',
    intelCategories: IP_THREAT_CATEGORIES,
    defaults: { stratumPorts: DEFAULT_CRYPTO_PORT_LIST, stratumMinMinutes: 20 },
  },
  onEvent(event, ctx) {
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined) return;
    const outbound = connection.direction === 'OUTBOUND';
    if (!outbound && event.action !== 'ACCEPT') return;
    const matches = remoteMatches(view, ctx.intel);
    if (matches.length > 0) emitMatches(ctx, view, matches, outbound);
    if (outbound && event.protocol === TCP && event.action === 'ACCEPT' && view.remoteIsInternet && portListSetting(ctx, 'stratumPorts').has(connection.remotePort)) {
      const start = windowStart(event.time, 3_600_000);
      ctx.accumulate(
        {
          key: `${view.instance}|${connection.remoteAddr}|${connection.remotePort}|${start}`,
          expiresAt: start + 2 * 3_600_000,
          counters: { records: 1 },
          min: { first: event.time },
          max: { last: event.endTime },
        },
        event.time,
        view,
      );
    }
  },
  onState({ total, batch, latest }, ctx) {
    const first = total.min.first;
    const last = total.max.last;
    if (first === undefined || last === undefined || last - first < numberSetting(ctx, 'stratumMinMinutes') * 60_000) return;
    const connection = latest.connection!;
    const use = cryptoPortUse(connection.remotePort) ?? 'a cryptocurrency port';
    ctx.emit({
      ...observationBase(latest, MINING, true),
      title: `EC2 instance ${latest.instance} is communicating with a cryptocurrency-related remote host on port ${connection.remotePort}.`,
      description: `${latest.instance} held a connection to ${connection.remoteAddr} on port ${connection.remotePort} (${use}) for ${Math.round((last - first) / 60_000)} minutes, the pattern of a miner or a full node.`,
      firstSeen: first,
      lastSeen: last,
      count: batch.counters.records ?? 1,
      additionalInfo: { context: 'Sustained connection to a cryptocurrency port', port: connection.remotePort, portUse: use },
    });
  },
  cases,
});

function observationBase(view: FlowView, threat: IpThreat, outbound: boolean) {
  const connection = view.connection!;
  return {
    type: threat.type,
    severity: SEVERITY[threat.level],
    resourceRole: outbound ? ('ACTOR' as const) : ('TARGET' as const),
    ...onInstance(view.event, connection, view.instance),
    remoteIp: connection.remoteAddr,
  };
}

function emitMatches(ctx: DetectorContext, view: FlowView, matches: readonly IntelMatch[], outbound: boolean): void {
  const connection = view.connection!;
  let byCategory: Map<string, IntelMatch[]> | undefined;
  for (const m of matches) {
    const threat = m.kind === 'threat' ? THREATS_BY_CATEGORY[m.category] : undefined;
    if (threat === undefined || (!outbound && !threat.inbound)) continue;
    byCategory ??= new Map();
    const list = byCategory.get(m.category);
    if (list === undefined) byCategory.set(m.category, [m]);
    else list.push(m);
  }
  if (byCategory === undefined) return;
  for (const [category, categoryMatches] of byCategory) {
    const threat = THREATS_BY_CATEGORY[category]!;
    categoryMatches.sort((a, b) => a.listName.localeCompare(b.listName));
    ctx.emit({
      ...observationBase(view, threat, outbound),
      title: outbound
        ? `EC2 instance ${view.instance} is communicating with ${threat.what}, ${connection.remoteAddr}.`
        : `${threat.what[0]!.toUpperCase()}${threat.what.slice(1)}, ${connection.remoteAddr}, is communicating with EC2 instance ${view.instance}.`,
      description: `${view.instance} exchanged traffic with ${connection.remoteAddr} (port ${connection.remotePort}${view.event.action === 'REJECT' ? ', blocked' : ''}), which is on ${categoryMatches[0]!.listName} (${category}).`,
      firstSeen: view.event.time,
      lastSeen: view.event.endTime,
      count: 1,
      ...threatIntelligence(categoryMatches, threat.threatName),
    });
  }
}
