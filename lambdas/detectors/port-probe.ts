/**
 * Known scanners reaching an open port: `Recon:EC2/PortProbeUnprotectedPort` and, on EMR cluster instances,
 * `Recon:EC2/PortProbeEMRUnprotectedPort`. The instance is the TARGET.
 *
 * A probe is an inbound connection from an address on a `scanner` or `malicious` feed (`--intel
 * scanner=FILE`) that the security group and NACL *accepted*: the port is reachable from the internet,
 * which is the finding's point (a rejected probe is the controls working). Ports 80 and 443 are never
 * reported (`ignorePorts`, as in GuardDuty): web servers are meant to be reached.
 *
 * Severity as GuardDuty documents it: Low, High when Elasticsearch's ports 9200/9300 are open
 * (`highPorts`; open Elasticsearch clusters are wiped or ransomed within hours). The EMR variant is High;
 * it is raised for `emrPorts` (YARN's 8088, Hue 8888, Zeppelin 8890, HDFS 9870/50070, HBase 16010, Spark
 * history 18080, the YARN proxy 20888) on instances an inventory shows as EMR cluster members
 * (`aws:elasticmapreduce:job-flow-id` tag); without an inventory those ports are reported as unprotected
 * ports.
 *
 * One probe is enough (`minProbes` = 1): a feed lists addresses seen scanning, so any accepted connection
 * from one is a probe. Probes aggregate per instance in windows of `windowMinutes` = 60; the PORT_PROBE
 * action lists the probed ports and the probing addresses (at most `maxDetails` = 20).
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import { SEVERITY, type FindingAction } from '../engine/finding';
import { windowStart } from '../engine/state';
import type { IntelMatch } from '../intel/types';
import { flow } from './common/fixtures';
import { interfaceOf, interfacesOf } from './common/interfaces';
import { flowView, instanceResource, ipDetails, portName, remoteMatches, scopeOf, threatMatchesIn, type FlowView } from './common/network';
import { portListSetting } from './common/settings';
import { threatIntelligence } from './malicious-ip-caller';

export const UNPROTECTED_PORT = 'Recon:EC2/PortProbeUnprotectedPort';
export const EMR_UNPROTECTED_PORT = 'Recon:EC2/PortProbeEMRUnprotectedPort';

/** Feed categories whose addresses count as scanners. */
export const SCANNER_CATEGORIES: ReadonlySet<string> = new Set(['scanner', 'malicious']);

const TCP = 6;
const UDP = 17;

// ---------------------------------------------------------------------------------------------------------
// Cases

const SCANNERS = [{ name: 'scanner-feed', category: 'scanner', kind: 'threat' as const, entries: ['192.0.2.0/28', '203.0.113.200'] }];

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'a listed scanner connects to an open RDP port',
    intel: SCANNERS,
    events: [flow({ srcAddr: '192.0.2.5', srcPort: 51_000, dstPort: 3389, packets: 3, bytes: 180 })],
    expect: [UNPROTECTED_PORT],
  },
  {
    name: 'two listed scanners find an open Elasticsearch port',
    intel: SCANNERS,
    events: [flow({ srcAddr: '192.0.2.5', dstPort: 9200 }), flow({ srcAddr: '203.0.113.200', dstPort: 9300 })],
    expect: [UNPROTECTED_PORT],
  },
  {
    name: 'near miss: the security group rejects the scanner',
    intel: SCANNERS,
    events: [flow({ srcAddr: '192.0.2.5', dstPort: 3389, action: 'REJECT' })],
    expect: [],
  },
  {
    name: 'near miss: a listed scanner fetches the web page on port 443',
    intel: SCANNERS,
    events: [flow({ srcAddr: '192.0.2.5', dstPort: 443 }), flow({ srcAddr: '192.0.2.5', dstPort: 80 })],
    expect: [],
  },
  {
    name: 'benign: unlisted clients reach SSH and a custom port',
    intel: SCANNERS,
    events: [flow({ srcAddr: '192.0.2.99', dstPort: 22 }), flow({ srcAddr: '198.51.100.7', dstPort: 8443 })],
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

interface Probe {
  readonly view: FlowView;
  readonly matches: readonly IntelMatch[];
  readonly emr: boolean;
}

export default defineDetector<'vpcflow', Probe>({
  source: 'vpcflow',
  meta: {
    id: 'port-probe',
    title: 'Open ports probed by known scanners',
    findingTypes: [
      { type: UNPROTECTED_PORT, severity: 'Low', resourceType: 'Instance', description: 'A port reachable from the internet is probed by a known scanner (High for Elasticsearch 9200/9300).' },
      { type: EMR_UNPROTECTED_PORT, severity: 'High', resourceType: 'Instance', description: 'An EMR-sensitive port of a cluster instance is reachable from the internet and probed by a known scanner.' },
    ],
    mitre: { tactic: 'Reconnaissance', technique: 'T1595 Active Scanning' },
    runbook: 'Close the port to the internet in the security group (or restrict it to known addresses); check the service on it for exposure and default credentials.',
    intelCategories: [...SCANNER_CATEGORIES],
    defaults: { windowMinutes: 60, minProbes: 1, maxDetails: 20, ignorePorts: '80,443', highPorts: '9200,9300', emrPorts: '8088,8888,8890,9870,16010,18080,20888,50070' },
  },
  onEvent(event, ctx) {
    if (event.action !== 'ACCEPT' || (event.protocol !== TCP && event.protocol !== UDP)) return;
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined || connection.direction !== 'INBOUND' || !view.remoteIsInternet) return;
    if (portListSetting(ctx, 'ignorePorts').has(connection.localPort)) return;
    const raw = remoteMatches(view, ctx.intel);
    if (raw.length === 0) return;
    const matches = threatMatchesIn(raw, SCANNER_CATEGORIES);
    if (matches.length === 0) return;
    const emr = portListSetting(ctx, 'emrPorts').has(connection.localPort) && interfaceOf(event, interfacesOf(ctx))?.emrClusterId !== undefined;
    const windowMs = numberSetting(ctx, 'windowMinutes') * 60_000;
    const start = windowStart(event.time, windowMs);
    ctx.accumulate(
      {
        key: `${emr ? 'emr' : 'port'}|${view.instance}|${start}`,
        expiresAt: start + 2 * windowMs,
        counters: { records: 1 },
        sets: { probes: [`${connection.localPort}|${connection.remoteAddr}`] },
        min: { first: event.time },
        max: { last: event.endTime },
      },
      event.time,
      { view, matches, emr },
    );
  },
  onState({ total, batch, latest }, ctx) {
    const probes = total.sets.probes ?? [];
    if (probes.length < numberSetting(ctx, 'minProbes')) return;
    const shown = probes.slice(-numberSetting(ctx, 'maxDetails')).map(parseProbe);
    emitProbe(ctx, latest, shown, probes.length, batch.counters.records ?? 1, total.min.first ?? latest.view.event.time, total.max.last ?? latest.view.event.endTime);
  },
  cases,
});

function parseProbe(member: string): { port: number; remote: string } {
  const bar = member.indexOf('|');
  return { port: Number(member.slice(0, bar)), remote: member.slice(bar + 1) };
}

function emitProbe(ctx: DetectorContext, probe: Probe, shown: readonly { port: number; remote: string }[], distinct: number, count: number, firstSeen: number, lastSeen: number): void {
  const { view, matches, emr } = probe;
  const connection = view.connection!;
  const highPorts = portListSetting(ctx, 'highPorts');
  const high = emr || shown.some((p) => highPorts.has(p.port));
  const ports = [...new Set(shown.map((p) => p.port))].sort((a, b) => a - b);
  const action: FindingAction = {
    actionType: 'PORT_PROBE',
    portProbeAction: {
      blocked: false,
      portProbeDetails: shown.map((p) => ({
        localPortDetails: { port: p.port, portName: portName(p.port) },
        localIpDetails: ipDetails(connection.localAddr),
        remoteIpDetails: ipDetails(p.remote),
      })),
    },
  };
  const what = emr ? 'EMR-related port' : 'unprotected port';
  ctx.emit({
    type: emr ? EMR_UNPROTECTED_PORT : UNPROTECTED_PORT,
    severity: high ? SEVERITY.High : SEVERITY.Low,
    resourceRole: 'TARGET',
    resource: instanceResource(view.event, connection.localAddr, view.instance),
    resourceKey: view.instance,
    ...scopeOf(view.event),
    action,
    title: `${what[0]!.toUpperCase()}${what.slice(1)}${ports.length > 1 ? 's' : ''} on EC2 instance ${view.instance} ${ports.length > 1 ? 'are' : 'is'} being probed.`,
    description: `Port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} of ${view.instance} ${ports.length > 1 ? 'are' : 'is'} reachable from the internet and ${ports.length > 1 ? 'were' : 'was'} probed by ${distinct === 1 ? 'a known scanner' : `known scanners (${distinct} probes)`}, the latest ${connection.remoteAddr} on list ${matches[0]!.listName}.`,
    firstSeen,
    lastSeen,
    count,
    ...threatIntelligence(matches, 'Scanner'),
    remoteIp: connection.remoteAddr,
  });
}
