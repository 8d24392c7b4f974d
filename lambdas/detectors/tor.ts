/**
 * Tor on the instance: `UnauthorizedAccess:EC2/TorClient` (it connects into the Tor network) and
 * `UnauthorizedAccess:EC2/TorRelay` (it carries other people's Tor traffic). Both High, the instance is
 * the ACTOR. Tor hides where traffic goes; on a server it is malware's C2 channel or an abused instance.
 *
 * Tor nodes come from feeds — `--intel tor-relay=FILE` (relays, including guards: the consensus or Onionoo
 * list), `--intel tor-exit=FILE` (Tor's exit list) — and from the directory authorities that ship with
 * Vigil (lambdas/intel/defaults/tor-authorities.ts), which every client contacts.
 *
 * - TorClient: any connection the instance opens to a Tor node, even one its security group rejected
 *   (the attempt is the evidence).
 * - TorRelay: a relay accepts connections from other relays; a client never does. `minInboundRelays` = 3
 *   distinct Tor nodes connecting in within a one-hour window says the instance is part of the network
 *   (one could be a scanner that also runs a relay; three is a pattern). Optionally (`orPorts`, empty by
 *   default), connections from `minOrPortClients` = 20 distinct internet hosts to an ORPort such as 9001
 *   also count: that catches relays before the feed lists them, but 9001 is also the default port of
 *   other software (MinIO's console, Supervisor), so it is opt-in.
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import { windowStart } from '../engine/state';
import { torAuthorityAt, torAuthorityAtIpv4 } from '../intel/defaults/tor-authorities';
import type { IntelMatch } from '../intel/types';
import { CASE_EPOCH, flow } from './common/fixtures';
import { type FlowView, flowView, onInstance, remoteMatches, threatMatchesIn } from './common/network';
import { portListSetting } from './common/settings';
import { threatIntelligence } from './malicious-ip-caller';

export const TOR_CLIENT = 'UnauthorizedAccess:EC2/TorClient';
export const TOR_RELAY = 'UnauthorizedAccess:EC2/TorRelay';

/** Feed categories whose addresses are Tor nodes. */
export const TOR_CATEGORIES: ReadonlySet<string> = new Set(['tor-relay', 'tor-exit']);

const TCP = 6;
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------------------
// Cases

const RELAYS = [{ name: 'tor-consensus', category: 'tor-relay', kind: 'threat' as const, entries: ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'] }];
const APP = '10.0.2.20';

const cases: DetectorCase<'vpcflow'>[] = [
  { name: 'the instance connects to a Tor guard on its ORPort', intel: RELAYS, events: [flow({ srcAddr: APP, srcPort: 48_000, dstAddr: '192.0.2.10', dstPort: 9001 })], expect: [TOR_CLIENT] },
  {
    name: 'the instance contacts the directory authority moria1 (no feed needed)',
    events: [flow({ srcAddr: APP, srcPort: 48_000, dstAddr: '128.31.0.39', dstPort: 9131 })],
    expect: [TOR_CLIENT],
  },
  {
    name: 'three relays connect to the instance\'s ORPort within the hour',
    intel: RELAYS,
    events: ['192.0.2.11', '192.0.2.12', '192.0.2.13'].map((srcAddr, i) => flow({ srcAddr, srcPort: 50_000 + i, dstAddr: APP, dstPort: 443, time: CASE_EPOCH + i * 600_000 })),
    expect: [TOR_RELAY],
  },
  {
    name: 'near miss: two relays connect in (could be relay operators browsing)',
    intel: RELAYS,
    events: ['192.0.2.11', '192.0.2.12'].map((srcAddr, i) => flow({ srcAddr, srcPort: 50_000 + i, dstAddr: APP, dstPort: 443, time: CASE_EPOCH + i * 600_000 })),
    expect: [],
  },
  {
    name: 'near miss: a relay\'s connection attempt is rejected by the security group',
    intel: RELAYS,
    events: [flow({ srcAddr: '192.0.2.11', dstAddr: APP, dstPort: 22, action: 'REJECT' })],
    expect: [],
  },
  {
    name: 'benign: 30 internet clients on port 9001 while the ORPort heuristic is off (the default)',
    events: Array.from({ length: 30 }, (_, i) => flow({ srcAddr: `198.51.100.${i + 1}`, srcPort: 50_000 + i, dstAddr: APP, dstPort: 9001 })),
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

interface TorPeer {
  readonly view: FlowView;
  readonly matches: readonly IntelMatch[];
}

export default defineDetector<'vpcflow', TorPeer>({
  source: 'vpcflow',
  meta: {
    id: 'tor',
    title: 'Tor client or relay activity',
    findingTypes: [
      { type: TOR_CLIENT, severity: 'High', resourceType: 'Instance', description: 'The instance connects to a Tor guard or directory authority.' },
      { type: TOR_RELAY, severity: 'High', resourceType: 'Instance', description: 'The instance acts as a Tor relay.' },
    ],
    mitre: { tactic: 'Command and Control', technique: 'T1090.003 Proxy: Multi-hop Proxy' },
    runbook: 'Find the tor process (or the malware embedding it) on the instance; unless Tor is an approved use, isolate the instance and rebuild it.',
    intelCategories: [...TOR_CATEGORIES],
    defaults: { minInboundRelays: 3, orPorts: '', minOrPortClients: 20 },
  },
  onEvent(event, ctx) {
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined || !view.remoteIsInternet) return;
    const outbound = connection.direction === 'OUTBOUND';
    if (!outbound && event.action !== 'ACCEPT') return;
    const matches = torMatches(view, ctx);
    if (matches !== undefined) {
      if (outbound) emitClient(view, matches, ctx);
      else accumulatePeer(ctx, view, matches, 'relays');
      return;
    }
    if (!outbound && event.protocol === TCP) {
      const orPorts = portListSetting(ctx, 'orPorts');
      if (orPorts.size > 0 && orPorts.has(connection.localPort)) accumulatePeer(ctx, view, [], 'orPortClients');
    }
  },
  onState({ total, batch, latest }, ctx) {
    const relays = total.sets.relays?.length ?? 0;
    const orClients = total.sets.orPortClients?.length ?? 0;
    const byRelays = relays >= numberSetting(ctx, 'minInboundRelays');
    if (!byRelays && orClients < numberSetting(ctx, 'minOrPortClients')) return;
    const { view, matches } = latest;
    const connection = view.connection!;
    ctx.emit({
      type: TOR_RELAY,
      severity: SEVERITY.High,
      resourceRole: 'ACTOR',
      ...onInstance(view.event, connection, view.instance),
      title: `EC2 instance ${view.instance} is communicating with Tor nodes as a Tor relay.`,
      description: byRelays
        ? `${relays} Tor nodes opened connections to ${view.instance} within an hour, the latest ${connection.remoteAddr}: the instance is accepting traffic as a relay.`
        : `${orClients} internet hosts connected to ${view.instance} on the Tor ORPort ${connection.localPort} within an hour.`,
      firstSeen: total.min.first ?? view.event.time,
      lastSeen: total.max.last ?? view.event.endTime,
      count: batch.counters.records ?? 1,
      additionalInfo: { inboundTorNodes: relays, ...(orClients > 0 ? { orPortClients: orClients } : {}) },
      ...(matches.length > 0 ? { evidence: threatIntelligence(matches, 'TorRelay').evidence } : {}),
      remoteIp: connection.remoteAddr,
    });
  },
  cases,
});

const AUTHORITY_LIST = 'tor-directory-authorities (built in)';

/** The Tor feeds (or the built-in authority list) naming the remote address; undefined when none does. */
function torMatches(view: FlowView, ctx: DetectorContext): readonly IntelMatch[] | undefined {
  const fromFeeds = threatMatchesIn(remoteMatches(view, ctx.intel), TOR_CATEGORIES);
  if (fromFeeds.length > 0) return fromFeeds;
  const remote = view.connection!.remoteAddr;
  const authority = view.remoteIpv4 >= 0 ? torAuthorityAtIpv4(view.remoteIpv4) : torAuthorityAt(remote);
  if (authority === undefined) return undefined;
  return [{ listName: AUTHORITY_LIST, category: 'tor-relay', kind: 'threat', entry: `${authority.nickname} ${remote}` }];
}

function accumulatePeer(ctx: DetectorContext, view: FlowView, matches: readonly IntelMatch[], setName: 'relays' | 'orPortClients'): void {
  const start = windowStart(view.event.time, HOUR);
  ctx.accumulate(
    {
      key: `${view.instance}|${start}`,
      expiresAt: start + 2 * HOUR,
      counters: { records: 1 },
      sets: { [setName]: [view.connection!.remoteAddr] },
      min: { first: view.event.time },
      max: { last: view.event.endTime },
    },
    view.event.time,
    { view, matches },
  );
}

function emitClient(view: FlowView, matches: readonly IntelMatch[], ctx: DetectorContext): void {
  const connection = view.connection!;
  ctx.emit({
    type: TOR_CLIENT,
    severity: SEVERITY.High,
    resourceRole: 'ACTOR',
    ...onInstance(view.event, connection, view.instance),
    title: `EC2 instance ${view.instance} is communicating with Tor entry node ${connection.remoteAddr}.`,
    description: `${view.instance} connected to ${connection.remoteAddr} port ${connection.remotePort}${view.event.action === 'REJECT' ? ' (blocked)' : ''}, a Tor node on ${matches[0]!.listName}. The instance may be running a Tor client.`,
    firstSeen: view.event.time,
    lastSeen: view.event.endTime,
    count: 1,
    ...threatIntelligence(matches, 'TorClient'),
    remoteIp: connection.remoteAddr,
  });
}
