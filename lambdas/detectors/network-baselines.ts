/**
 * Learned per-instance network behaviour: what each instance usually talks to, and the findings GuardDuty
 * raises when that changes.
 *
 * | finding type | what is new for the instance | severity |
 * | --- | --- | --- |
 * | Behavior:EC2/NetworkPortUnusual | an outbound connection to an internet host on a server port it has not used | Medium; High with "Possible log4j callback" for ports 389/1389 (`log4jPorts`) |
 * | Behavior:EC2/TrafficVolumeUnusual | a flow record sending far more bytes to an internet host than any before | Medium |
 * | DefenseEvasion:EC2/UnusualDNSResolver | plain DNS (port 53) to a public resolver it has not used | Medium |
 * | DefenseEvasion:EC2/UnusualDoHActivity | DNS-over-HTTPS (443) to a known public DoH server it has not used | Medium |
 * | DefenseEvasion:EC2/UnusualDoTActivity | DNS-over-TLS (853) to a server it has not used | Medium |
 * | Backdoor:EC2/Spambot | SMTP (25) to many internet hosts, with no port-25 history | Medium |
 *
 * They share one profile per instance (see common/baseline.ts for how it lives in the State port): two
 * keys per instance at most, bounded counters, learned in event time. Nothing is raised until the instance
 * has been watched for `learningDays` (default 7, GuardDuty's commonly cited 7–14 days): a new instance's
 * first week is its baseline. "Has not used" means within the last one to two learning periods.
 *
 * Thresholds (GuardDuty publishes none):
 * - Ports: only outbound connections the instance opened, to internet addresses (C2 callbacks and
 *   exfiltration go there; east–west services change too often to alert on), accepted, TCP or UDP, remote
 *   port below `ignorePortsFrom` = 49152 (the IANA dynamic range holds passive-FTP and media ports, not
 *   services). DNS ports 53 and 853 are left to the resolver findings, so one new resolver is one finding.
 * - Volume: counted per flow record leaving the instance (one connection over the log's 1- or 10-minute
 *   aggregation interval). A record is unusual when it exceeds `volumeFactor` = 8 times the largest record
 *   size class the instance has sent to the internet before (a log2 histogram: sizes are kept as powers of
 *   two, so 8× the class bound is 8–16× the largest record) and is at least `volumeMinMegabytes` = 50 MB:
 *   a web server that never sent more than 100 kB in a minute does not raise a finding for a 2 MB
 *   download, and a nightly multi-GB backup becomes part of its instance's baseline.
 * - DNS: any accepted outbound flow to port 53 (UDP/TCP) or 853 (TCP) of an internet host; DoH is
 *   recognised by the server's address (curated list in lambdas/intel/defaults/dns-resolvers.ts, plus
 *   `extraDohServers`). The VPC resolver never appears in flow logs, so any public resolver is a choice the
 *   instance made.
 * - Spambot: `spamMinHosts` = 5 distinct internet hosts on TCP 25 while the instance's first port-25
 *   record in its recent history came after a full learning period. Mail relays keep their history and
 *   stay quiet; a web server that starts mailing five hosts is not normal.
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import type { StateValue } from '../engine/state';
import { publicResolverAt } from '../intel/defaults/dns-resolvers';
import { before, DAY_MS, epochOfKey, MagnitudeHistogram, MembershipSketch, profileEpoch } from './common/baseline';
import { CASE_EPOCH, DAY, dailyHttps, outbound } from './common/fixtures';
import { type FlowView, flowView, onInstance, protocolName } from './common/network';
import { portListSetting, textListSetting } from './common/settings';

export const PORT_UNUSUAL = 'Behavior:EC2/NetworkPortUnusual';
export const VOLUME_UNUSUAL = 'Behavior:EC2/TrafficVolumeUnusual';
export const DNS_RESOLVER_UNUSUAL = 'DefenseEvasion:EC2/UnusualDNSResolver';
export const DOH_UNUSUAL = 'DefenseEvasion:EC2/UnusualDoHActivity';
export const DOT_UNUSUAL = 'DefenseEvasion:EC2/UnusualDoTActivity';
export const SPAMBOT = 'Backdoor:EC2/Spambot';

const TCP = 6;
const UDP = 17;
const DNS_PORT = 53;
const DOT_PORT = 853;
const HTTPS_PORT = 443;
const SMTP_PORT = 25;

const PORTS = new MembershipSketch('p');
const RESOLVERS = new MembershipSketch('r');
const DOH_SERVERS = new MembershipSketch('h');
const DOT_SERVERS = new MembershipSketch('t');
const VOLUMES = new MagnitudeHistogram('v');

/** New items one batch may report per kind and instance; later ones are still learned. */
const MAX_CANDIDATES = 64;

/**
 * What one batch saw of one instance: the earliest record of every item (port, resolver…) and of every
 * size class sent, and its SMTP activity. It is the context of the instance's profile keys, so `onState`
 * can name the records that turn out to be new. A record is new when its item was neither in the profile
 * before the batch nor earlier in the batch: replaying a week in one batch gives the same answer as a week
 * of batches. Made in `onEvent`, forgotten when the batch's `onState` runs.
 */
interface InstanceBatch {
  readonly instance: string;
  readonly memory: ProfileMemory;
  readonly ports: Map<number, FlowView>;
  readonly resolvers: Map<string, FlowView>;
  readonly dohServers: Map<string, FlowView>;
  readonly dotServers: Map<string, FlowView>;
  /** Earliest record of each size class (log2 of bytes) sent to the internet. */
  readonly sizeClasses: (FlowView | undefined)[];
  smtp: FlowView | undefined;
  smtpRecords: number;
}

/**
 * What this process already added to an instance's two profile keys in the current epoch, so a record
 * that repeats known items (most records: the same ports and size classes over and over) costs no state
 * delta. Profile keys only grow during their epoch, so the memory stays true across batches — as long as
 * every batch it covers was stored. A batch the engine aborted (a store failure) is abandoned with its
 * input and retried later from an earlier position; batches are contiguous runs of one input read
 * forwards. So the memory is trusted only while records arrive from the same input at strictly
 * increasing positions, and dropped otherwise (which only costs speed).
 */
interface ProfileMemory {
  readonly added: Set<string>;
  epoch: number;
  since: number;
  input: string | undefined;
  position: number;
  /** The open batch tracker of this instance, if any. */
  batch: InstanceBatch | undefined;
}

const profilesByContext = new WeakMap<DetectorContext, Map<string, ProfileMemory>>();
// Every record of a batch comes through the same context: remember the last one's map.
let lastContext: DetectorContext | undefined;
let lastProfiles: Map<string, ProfileMemory> | undefined;

function profilesOf(ctx: DetectorContext): Map<string, ProfileMemory> {
  if (ctx === lastContext && lastProfiles !== undefined) return lastProfiles;
  let profiles = profilesByContext.get(ctx);
  if (profiles === undefined) {
    profiles = new Map();
    profilesByContext.set(ctx, profiles);
  }
  lastContext = ctx;
  lastProfiles = profiles;
  return profiles;
}

/**
 * The instance's batch tracker and profile memory for this record. Records come from one input at
 * increasing positions within a batch and across the batches of an input; a record from another input or
 * from an earlier position starts a new run (a new file, or a retry after an aborted batch), so the memory
 * of what was added is dropped.
 */
function batchFor(ctx: DetectorContext, view: FlowView, epoch: number): InstanceBatch {
  const profiles = profilesOf(ctx);
  const instance = view.instance;
  let profile = profiles.get(instance);
  if (profile === undefined) {
    if (profiles.size >= MAX_REMEMBERED_PROFILES) forgetIdleProfiles(profiles);
    profile = { added: new Set(), epoch: Number.NaN, since: Number.POSITIVE_INFINITY, input: undefined, position: -1, batch: undefined };
    profiles.set(instance, profile);
  }
  const origin = view.event.origin;
  const position = origin.line ?? origin.index ?? origin.offset;
  const restart = position !== undefined && (origin.input !== profile.input || position <= profile.position);
  // Without a position nothing proves the memory current: it is not trusted.
  if (position === undefined || restart || epoch !== profile.epoch) {
    profile.added.clear();
    profile.since = Number.POSITIVE_INFINITY;
    profile.epoch = epoch;
  }
  profile.input = origin.input;
  profile.position = position ?? -1;
  // A tracker an aborted batch left behind is reused, not replaced: the run restarts its memory, so the
  // retry adds state and its onState consumes the tracker (its candidates are the retry's own records).
  profile.batch ??= {
    instance,
    memory: profile,
    ports: new Map(),
    resolvers: new Map(),
    dohServers: new Map(),
    dotServers: new Map(),
    sizeClasses: new Array<FlowView | undefined>(MagnitudeHistogram.BINS),
    smtp: undefined,
    smtpRecords: 0,
  };
  return profile.batch;
}

/** Instances whose memory one process keeps (interfaces come and go with auto scaling). */
const MAX_REMEMBERED_PROFILES = 100_000;

/**
 * Forgets the memory of instances without an open batch tracker, oldest first, down to 90% of the limit.
 * Forgetting only costs speed (their next records add state again); open trackers are kept because the
 * engine holds them as context of the current batch.
 */
function forgetIdleProfiles(profiles: Map<string, ProfileMemory>): void {
  let excess = profiles.size - Math.floor(MAX_REMEMBERED_PROFILES * 0.9);
  for (const [instance, profile] of profiles) {
    if (excess <= 0) break;
    if (profile.batch !== undefined) continue;
    profiles.delete(instance);
    excess--;
  }
}

function closeBatch(batch: InstanceBatch): void {
  if (batch.memory.batch === batch) batch.memory.batch = undefined;
}

/** Adds the counter names not added yet; returns how many were new. */
function addNew(counters: Record<string, number>, memory: ProfileMemory, names: readonly string[]): number {
  let added = 0;
  for (const name of names) {
    if (memory.added.has(name)) continue;
    memory.added.add(name);
    counters[name] = 1;
    added++;
  }
  return added;
}

function rememberEarliest<K>(items: Map<K, FlowView>, item: K, view: FlowView): void {
  const seen = items.get(item);
  if (seen === undefined ? items.size < MAX_CANDIDATES : view.event.time < seen.event.time) items.set(item, view);
}

const portItem = (protocol: number, port: number): number => protocol * 65_536 + port;

// ---------------------------------------------------------------------------------------------------------
// Cases

const APP = '10.0.2.20';
const week = (days: number) => CASE_EPOCH + days * DAY + 13 * 3_600_000;

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'after a week of HTTPS only, the instance calls an LDAP server on the internet (log4j callback)',
    events: [...dailyHttps(9), outbound('203.0.113.50', 1389, { time: week(8), srcPort: 51_000 })],
    expect: [PORT_UNUSUAL],
  },
  {
    name: 'after a week without public DNS, the instance uses DNS-over-TLS',
    events: [...dailyHttps(9), outbound('9.9.9.9', 853, { time: week(8) })],
    expect: [DOT_UNUSUAL],
  },
  {
    name: 'after a week of small API calls, the instance uploads 3 GB to an internet host',
    events: [...dailyHttps(9), outbound('52.216.10.20', 443, { time: week(8), srcPort: 52_000, packets: 2_200_000, bytes: 3_000_000_000 })],
    expect: [VOLUME_UNUSUAL],
  },
  {
    name: 'near miss: the same LDAP callback during the learning week stays quiet',
    events: [...dailyHttps(9), outbound('203.0.113.50', 1389, { time: week(5), srcPort: 51_000 })],
    expect: [],
  },
  {
    name: 'near miss: a 30 MB upload is far above the baseline but under the 50 MB floor',
    events: [...dailyHttps(9), outbound('52.216.10.20', 443, { time: week(8), srcPort: 52_000, packets: 22_000, bytes: 30_000_000 })],
    expect: [],
  },
  {
    name: 'benign: a steady week of HTTPS, east-west database traffic and an inbound web client',
    events: [
      ...dailyHttps(9),
      ...Array.from({ length: 9 }, (_, d) => outbound('10.0.3.30', 5432, { time: week(d), flowDirection: 'egress' as const, version: 5 })),
      ...Array.from({ length: 9 }, (_, d) => outbound(APP, 8443, { srcAddr: '198.51.100.44', srcPort: 50_000 + d, dstAddr: APP, time: week(d) })),
    ],
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

export default defineDetector<'vpcflow', InstanceBatch | undefined>({
  source: 'vpcflow',
  meta: {
    id: 'network-baselines',
    title: 'Unusual network behaviour against the instance\'s learned profile (ports, volume, DNS resolvers, SMTP)',
    findingTypes: [
      { type: PORT_UNUSUAL, severity: 'Medium', resourceType: 'Instance', description: 'The instance connects to an internet host on a server port it has no recent history of using (High for possible log4j callbacks).' },
      { type: VOLUME_UNUSUAL, severity: 'Medium', resourceType: 'Instance', description: 'The instance sends an unusually large amount of data to an internet host.' },
      { type: DNS_RESOLVER_UNUSUAL, severity: 'Medium', resourceType: 'Instance', description: 'The instance queries a public DNS resolver it has no recent history with.' },
      { type: DOH_UNUSUAL, severity: 'Medium', resourceType: 'Instance', description: 'The instance uses a public DNS-over-HTTPS server it has no recent history with.' },
      { type: DOT_UNUSUAL, severity: 'Medium', resourceType: 'Instance', description: 'The instance uses a DNS-over-TLS server it has no recent history with.' },
      { type: SPAMBOT, severity: 'Medium', resourceType: 'Instance', description: 'The instance sends SMTP traffic to many internet hosts without a history of doing so.' },
    ],
    mitre: { tactic: 'Command and Control', technique: 'T1571 Non-Standard Port' },
    runbook: 'Find the process behind the new connection on the instance (ss/netstat, EDR). New ports and resolvers are often a new deployment: confirm with the owner, else isolate; large transfers: check what data left.',
    defaults: { learningDays: 7, ignorePortsFrom: 49_152, log4jPorts: '389,1389', volumeFactor: 8, volumeMinMegabytes: 50, extraDohServers: '', spamMinHosts: 5 },
  },
  onEvent(event, ctx) {
    // Cheap tests first: rejected records and records without an internet peer are most of the traffic.
    if (event.action !== 'ACCEPT') return;
    const view = flowView(event, ctx);
    if (!view.remoteIsInternet) return;
    const connection = view.connection!;
    const outbound = connection.direction === 'OUTBOUND';
    if (!outbound && !view.egress) return;

    const periodMs = numberSetting(ctx, 'learningDays') * DAY_MS;
    const epochNumber = Math.floor(event.time / periodMs);
    const batch = batchFor(ctx, view, epochNumber);
    const memory = batch.memory;
    const counters: Record<string, number> = {};
    let fresh = 0;
    let smtpHost: string | undefined;
    const protocol = event.protocol;
    const remotePort = connection.remotePort;
    if (outbound && (protocol === TCP || protocol === UDP)) {
      // DNS ports are reported as resolver findings, not as unusual ports.
      if (remotePort < numberSetting(ctx, 'ignorePortsFrom') && remotePort !== DNS_PORT && remotePort !== DOT_PORT) {
        const item = portItem(protocol, remotePort);
        fresh += addNew(counters, memory, PORTS.countersOfNumber(item));
        rememberEarliest(batch.ports, item, view);
      }
      const remote = connection.remoteAddr;
      if (remotePort === DNS_PORT) {
        fresh += addNew(counters, memory, RESOLVERS.countersOfText(remote));
        rememberEarliest(batch.resolvers, remote, view);
      } else if (protocol === TCP && remotePort === DOT_PORT) {
        fresh += addNew(counters, memory, DOT_SERVERS.countersOfText(remote));
        rememberEarliest(batch.dotServers, remote, view);
      } else if (protocol === TCP && remotePort === HTTPS_PORT && isDohServer(ctx, remote)) {
        fresh += addNew(counters, memory, DOH_SERVERS.countersOfText(remote));
        rememberEarliest(batch.dohServers, remote, view);
      } else if (protocol === TCP && remotePort === SMTP_PORT) {
        if (batch.smtp === undefined || event.time >= batch.smtp.event.time) batch.smtp = view;
        batch.smtpRecords++;
        // Every SMTP record is kept: the first time of port-25 traffic and the set of hosts decide.
        counters.smtp = 1;
        smtpHost = remote;
        fresh++;
      }
    }
    if (view.egress && event.bytes > 0) {
      const sizeClass = MagnitudeHistogram.binOf(event.bytes);
      const name = VOLUMES.counterOf(event.bytes);
      if (!memory.added.has(name)) {
        memory.added.add(name);
        counters[name] = 1;
        fresh++;
      }
      const seen = batch.sizeClasses[sizeClass];
      if (seen === undefined || event.time < seen.event.time || (event.time === seen.event.time && event.bytes > seen.event.bytes)) batch.sizeClasses[sizeClass] = view;
    }
    const earlier = event.time < memory.since;
    // Nothing new for the profile: the record only mattered as a candidate (remembered above).
    if (fresh === 0 && !earlier) return;
    if (earlier) memory.since = event.time;
    const min: Record<string, number> = {};
    if (earlier) min.since = event.time;
    if (smtpHost !== undefined) min.smtpFirst = event.time;
    const epoch = profileEpoch(view.instance, event.time, periodMs);
    if (smtpHost === undefined) {
      ctx.accumulate({ key: epoch.key, expiresAt: epoch.expiresAt, counters, min }, event.time, batch);
      // The next epoch's key learns from this record; it decides nothing about it (no context).
      ctx.accumulate({ key: epoch.nextKey, expiresAt: epoch.nextExpiresAt, counters, min }, event.time, undefined);
    } else {
      const sets = { smtpHosts: [smtpHost] };
      ctx.accumulate({ key: epoch.key, expiresAt: epoch.expiresAt, counters, min, sets }, event.time, batch);
      ctx.accumulate({ key: epoch.nextKey, expiresAt: epoch.nextExpiresAt, counters, min, sets }, event.time, undefined);
    }
  },
  onState({ key, total, batch: added, latest }, ctx) {
    if (latest === undefined) return;
    closeBatch(latest);
    const since = total.min.since;
    if (since === undefined) return;
    const periodMs = numberSetting(ctx, 'learningDays') * DAY_MS;
    const epoch = epochOfKey(key);
    // This key decides about the batch's records of its own epoch (a batch may straddle two).
    const decision: Decision = {
      total,
      added,
      decides: (view) => Math.floor(view.event.time / periodMs) === epoch && view.event.time - since >= periodMs,
    };

    const ports = unusualItems(latest.ports, (item) => PORTS.countersOfNumber(item), decision);
    if (ports.length > 0) emitUnusualPorts(ctx, latest.instance, ports, since);
    const resolvers = unusualItems(latest.resolvers, (ip) => RESOLVERS.countersOfText(ip), decision);
    if (resolvers.length > 0) emitUnusualServer(ctx, DNS_RESOLVER_UNUSUAL, 'DNS resolver', resolvers, since);
    const doh = unusualItems(latest.dohServers, (ip) => DOH_SERVERS.countersOfText(ip), decision);
    if (doh.length > 0) emitUnusualServer(ctx, DOH_UNUSUAL, 'DNS-over-HTTPS server', doh, since);
    const dot = unusualItems(latest.dotServers, (ip) => DOT_SERVERS.countersOfText(ip), decision);
    if (dot.length > 0) emitUnusualServer(ctx, DOT_UNUSUAL, 'DNS-over-TLS server', dot, since);

    const volume = unusualVolume(ctx, latest, decision);
    if (volume !== undefined) emitUnusualVolume(ctx, volume.view, volume.usualBytes, since);

    const smtp = latest.smtp;
    if (smtp !== undefined && Math.floor(smtp.event.time / periodMs) === epoch) decideSpambot(ctx, latest, total, added, periodMs, since);
  },
  cases,
});

function isDohServer(ctx: DetectorContext, ip: string): boolean {
  return publicResolverAt(ip)?.doh === true || textListSetting(ctx, 'extraDohServers').has(ip);
}

interface Decision {
  readonly total: StateValue;
  readonly added: StateValue;
  /** The record belongs to this key's epoch, and the profile had a full learning period by its time. */
  readonly decides: (view: FlowView) => boolean;
}

/**
 * The batch's earliest records of items the profile did not hold before the batch, in event-time order
 * (an item's earliest record in the batch is, by construction, its first appearance in it).
 */
function unusualItems<K>(items: ReadonlyMap<K, FlowView>, countersOf: (item: K) => readonly [string, string], decision: Decision): FlowView[] {
  const out: FlowView[] = [];
  for (const [item, view] of items) {
    if (!decision.decides(view)) continue;
    if (MembershipSketch.knownBefore(decision.total, decision.added, countersOf(item))) continue;
    out.push(view);
  }
  return out.sort((a, b) => a.event.time - b.event.time);
}

/**
 * The largest size class the batch sent that beats history: the profile before the batch, and the batch's
 * own earlier records.
 */
function unusualVolume(ctx: DetectorContext, batch: InstanceBatch, decision: Decision): { view: FlowView; usualBytes: number } | undefined {
  const factor = numberSetting(ctx, 'volumeFactor');
  const floor = numberSetting(ctx, 'volumeMinMegabytes') * 1_000_000;
  const classes = batch.sizeClasses;
  let usualBefore: number | undefined;
  for (let c = classes.length - 1; c >= 0; c--) {
    const view = classes[c];
    if (view === undefined || view.event.bytes < floor || !decision.decides(view)) continue;
    // Read the history only for a candidate: most batches have none above the floor.
    usualBefore ??= VOLUMES.maxBefore(decision.total, decision.added);
    let usual = usualBefore;
    for (let other = classes.length - 1; other >= 0; other--) {
      const earlier = classes[other];
      if (other !== c && earlier !== undefined && earlier.event.time < view.event.time) {
        usual = Math.max(usual, 2 ** (other + 1));
        break;
      }
    }
    if (view.event.bytes > factor * usual) return { view, usualBytes: usual };
  }
  return undefined;
}

function observationBase(view: FlowView) {
  const connection = view.connection!;
  return {
    resourceRole: 'ACTOR' as const,
    ...onInstance(view.event, connection, view.instance),
    firstSeen: view.event.time,
    remoteIp: connection.remoteAddr,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function emitUnusualPorts(ctx: DetectorContext, instance: string, views: readonly FlowView[], since: number): void {
  const log4j = portListSetting(ctx, 'log4jPorts');
  // A possible log4j callback decides the severity and is the occurrence the finding shows.
  const shown = views.find((v) => log4j.has(v.connection!.remotePort)) ?? views[0]!;
  const callback = log4j.has(shown.connection!.remotePort);
  const { remotePort, remoteAddr } = shown.connection!;
  const ports = views.map((v) => `${protocolName(v.event.protocol)}/${v.connection!.remotePort}`);
  ctx.emit({
    type: PORT_UNUSUAL,
    severity: callback ? SEVERITY.High : SEVERITY.Medium,
    ...observationBase(shown),
    title: `Unusual outbound communication seen from EC2 instance ${instance} on server port ${remotePort}.`,
    description:
      `${instance} connected to ${remoteAddr} on ${protocolName(shown.event.protocol)} port ${remotePort}, a server port it has not used since its profile started on ${iso(since)}.` +
      (callback ? ' Outbound LDAP to the internet is how log4j (CVE-2021-44228) exploitation calls back.' : ''),
    lastSeen: views[views.length - 1]!.event.endTime,
    count: views.length,
    additionalInfo: {
      unusual: { port: remotePort, protocol: protocolName(shown.event.protocol) },
      unusualPorts: ports,
      ...(callback ? { context: 'Possible log4j callback' } : {}),
      profileStartedAt: iso(since),
    },
  });
}

function emitUnusualServer(ctx: DetectorContext, type: string, what: string, views: readonly FlowView[], since: number): void {
  const shown = views[0]!;
  const { remoteAddr } = shown.connection!;
  const provider = publicResolverAt(remoteAddr)?.provider;
  ctx.emit({
    type,
    severity: SEVERITY.Medium,
    ...observationBase(shown),
    title: `EC2 instance ${shown.instance} is communicating with an unusual ${what} ${remoteAddr}.`,
    description: `${shown.instance} used ${what} ${remoteAddr}${provider ? ` (${provider})` : ''}, which it has not used since its profile started on ${iso(since)}. Resolving names outside the VPC resolver bypasses DNS logging and DNS Firewall.`,
    lastSeen: views[views.length - 1]!.event.endTime,
    count: views.length,
    additionalInfo: { unusual: remoteAddr, unusualServers: views.map((v) => v.connection!.remoteAddr), ...(provider ? { provider } : {}), profileStartedAt: iso(since) },
  });
}

function emitUnusualVolume(ctx: DetectorContext, view: FlowView, usualBytes: number, since: number): void {
  const { remoteAddr } = view.connection!;
  const bytes = view.event.bytes;
  ctx.emit({
    type: VOLUME_UNUSUAL,
    severity: SEVERITY.Medium,
    ...observationBase(view),
    title: `Unusually large amount of data is being sent from EC2 instance ${view.instance} to ${remoteAddr}.`,
    description:
      usualBytes > 0
        ? `${view.instance} sent ${formatBytes(bytes)} to ${remoteAddr} in one flow record; before, its records to the internet stayed under ${formatBytes(usualBytes)} (profile since ${iso(since)}).`
        : `${view.instance} sent ${formatBytes(bytes)} to ${remoteAddr} in one flow record; it had sent nothing to the internet since its profile started on ${iso(since)}.`,
    lastSeen: view.event.endTime,
    count: 1,
    additionalInfo: { unusual: { outBytes: bytes }, outBytes: bytes, usualMaxBytes: usualBytes, profileStartedAt: iso(since) },
  });
}

function decideSpambot(ctx: DetectorContext, batch: InstanceBatch, total: StateValue, added: StateValue, learningMs: number, since: number): void {
  const hosts = total.sets.smtpHosts?.length ?? 0;
  const firstSmtp = total.min.smtpFirst;
  if (firstSmtp === undefined || hosts < numberSetting(ctx, 'spamMinHosts')) return;
  // Port-25 traffic that began within the first learning period of the profile is the instance's history.
  if (firstSmtp - since < learningMs) return;
  const view = batch.smtp!;
  const { remoteAddr } = view.connection!;
  const before25 = before(total, added, 'smtp');
  ctx.emit({
    type: SPAMBOT,
    severity: SEVERITY.Medium,
    ...observationBase(view),
    firstSeen: before25 === 0 ? firstSmtp : view.event.time,
    title: `EC2 instance ${batch.instance} is behaving in a manner that may indicate it is being used to send spam.`,
    description: `${batch.instance} sent SMTP (TCP 25) traffic to ${hosts} internet hosts, the latest ${remoteAddr}, starting ${iso(firstSmtp)}; it had no port-25 traffic in the ${Math.round(learningMs / DAY_MS)} days before.`,
    lastSeen: view.event.endTime,
    count: batch.smtpRecords,
    additionalInfo: { remoteHosts: hosts, firstSmtpAt: iso(firstSmtp) },
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}
