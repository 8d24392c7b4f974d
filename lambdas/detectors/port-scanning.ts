/**
 * The instance as a scanner: `Recon:EC2/Portscan` (many ports of one host) and `Impact:EC2/PortSweep` (one
 * port on many internet hosts). Both are ACTOR findings: a scanning instance is usually compromised.
 *
 * A *probe* is a TCP connection the instance opens that carries almost nothing: at most `probeMaxPackets`
 * = 3 packets in the record (SYN, and the RST or SYN-ACK/RST of the answer) and, when flow logs carry TCP
 * flags, no FIN (a connection that finished properly did real work). Ordinary connections move more
 * packets than that, so a busy instance talking to thousands of hosts creates no scan state at all; only
 * probe-like records are counted. Records rejected by the instance's own security group count too: the
 * instance still tried.
 *
 * Thresholds (GuardDuty publishes none), per fixed window of `windowMinutes` = 10 of event time:
 * - Portscan: `portscanPorts` = 30 distinct ports of one remote host (internet or, when the log or an
 *   inventory orients the record, inside the VPC). nmap's default scan tries 1,000 ports in seconds;
 *   no client legitimately fails on 30 ports of one host in ten minutes.
 * - PortSweep: `sweepHosts` = 64 distinct internet hosts probed on one port. Worms and mass scanners
 *   sweep thousands of hosts a minute; a health checker that probes many customers' endpoints completes
 *   its connections and is not a probe by the definition above.
 * Slow scans below these rates are not detected; lower the thresholds or widen the window to catch them.
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import { windowStart } from '../engine/state';
import { CASE_EPOCH, flow } from './common/fixtures';
import { type FlowView, flowView, onInstance } from './common/network';

export const PORTSCAN = 'Recon:EC2/Portscan';
export const PORT_SWEEP = 'Impact:EC2/PortSweep';

const TCP = 6;
const FIN = 1;

// ---------------------------------------------------------------------------------------------------------
// Cases

const SCANNER = '10.0.2.20';
const probe = (dstAddr: string, dstPort: number, i: number, extra: Parameters<typeof flow>[0] = {}) =>
  flow({ srcAddr: SCANNER, srcPort: 61_000, dstAddr, dstPort, packets: 1, bytes: 44, time: CASE_EPOCH + i * 1_000, ...extra });

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'the instance probes the first 100 ports of an internet host',
    events: Array.from({ length: 100 }, (_, i) => probe('203.0.113.80', i + 1, i)),
    expect: [PORTSCAN],
  },
  {
    name: 'the instance probes telnet on 200 internet hosts (worm behaviour)',
    events: Array.from({ length: 200 }, (_, i) => probe(`198.51.100.${i + 1}`, 23, i)),
    expect: [PORT_SWEEP],
  },
  {
    name: 'near miss: 29 ports of one host in the window',
    events: Array.from({ length: 29 }, (_, i) => probe('203.0.113.80', 1000 + i, i)),
    expect: [],
  },
  {
    name: 'near miss: 63 hosts probed on one port',
    events: Array.from({ length: 63 }, (_, i) => probe(`198.51.100.${i + 1}`, 445, i)),
    expect: [],
  },
  {
    name: 'benign: an API client makes 300 full HTTPS connections to 150 internet hosts',
    events: Array.from({ length: 300 }, (_, i) =>
      flow({ srcAddr: SCANNER, srcPort: 40_000 + i, dstAddr: `198.51.100.${(i % 150) + 1}`, dstPort: 443, packets: 24, bytes: 9_000, time: CASE_EPOCH + i * 1_000 }),
    ),
    expect: [],
  },
  {
    name: 'benign: a web server answers 100 internet clients on 100 ephemeral ports',
    events: Array.from({ length: 100 }, (_, i) => flow({ srcAddr: SCANNER, srcPort: 443, dstAddr: '203.0.113.9', dstPort: 33_000 + i, packets: 2, bytes: 120, time: CASE_EPOCH + i * 1_000 })),
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

export default defineDetector<'vpcflow', FlowView>({
  source: 'vpcflow',
  meta: {
    id: 'port-scanning',
    title: 'Outbound port scans and port sweeps by the instance',
    findingTypes: [
      { type: PORTSCAN, severity: 'Medium', resourceType: 'Instance', description: 'The instance probes many ports of one remote host.' },
      { type: PORT_SWEEP, severity: 'High', resourceType: 'Instance', description: 'The instance probes one port on many internet hosts.' },
    ],
    mitre: { tactic: 'Discovery', technique: 'T1046 Network Service Discovery' },
    runbook: 'Isolate the instance (a security group without egress) and look for the scanning process; scanning tools on a server are rarely legitimate.',
    defaults: { windowMinutes: 10, probeMaxPackets: 3, portscanPorts: 30, sweepHosts: 64 },
  },
  onEvent(event, ctx) {
    // Cheap rejections first: protocol and size decide for nearly every record.
    if (event.protocol !== TCP || event.packets > numberSetting(ctx, 'probeMaxPackets')) return;
    if (event.tcpFlags !== undefined && (event.tcpFlags & FIN) !== 0) return;
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined || connection.direction !== 'OUTBOUND') return;
    const windowMs = numberSetting(ctx, 'windowMinutes') * 60_000;
    const start = windowStart(event.time, windowMs);
    const common = { expiresAt: start + 2 * windowMs, counters: { records: 1 }, min: { first: event.time }, max: { last: event.endTime } };
    ctx.accumulate({ key: `scan|${view.instance}|${connection.remoteAddr}|${start}`, sets: { ports: [String(connection.remotePort)] }, ...common }, event.time, view);
    if (view.remoteIsInternet) {
      ctx.accumulate({ key: `sweep|${view.instance}|${connection.remotePort}|${start}`, sets: { hosts: [connection.remoteAddr] }, ...common }, event.time, view);
    }
  },
  onState({ key, total, batch, latest }, ctx) {
    const sweep = key.startsWith('sweep|');
    const setName = sweep ? 'hosts' : 'ports';
    const threshold = numberSetting(ctx, sweep ? 'sweepHosts' : 'portscanPorts');
    const distinct = total.sets[setName]?.length ?? 0;
    if (distinct < threshold) return;
    const distinctBefore = distinct - (batch.sets[setName]?.length ?? 0);
    const count = distinctBefore >= threshold ? (batch.counters.records ?? 0) : (total.counters.records ?? distinct);
    emitScan(ctx, sweep, latest, distinct, count, total.min.first ?? latest.event.time, total.max.last ?? latest.event.endTime);
  },
  cases,
});

function emitScan(ctx: DetectorContext, sweep: boolean, view: FlowView, distinct: number, count: number, firstSeen: number, lastSeen: number): void {
  const connection = view.connection!;
  const minutes = numberSetting(ctx, 'windowMinutes');
  ctx.emit({
    type: sweep ? PORT_SWEEP : PORTSCAN,
    severity: sweep ? SEVERITY.High : SEVERITY.Medium,
    resourceRole: 'ACTOR',
    ...onInstance(view.event, connection, view.instance),
    title: sweep
      ? `EC2 instance ${view.instance} is performing a port sweep on port ${connection.remotePort}.`
      : `Unusual outbound port scan from EC2 instance ${view.instance} against ${connection.remoteAddr}.`,
    description: sweep
      ? `${view.instance} probed TCP port ${connection.remotePort} on ${distinct} internet hosts within ${minutes} minutes, the latest ${connection.remoteAddr}. The instance may be compromised and looking for vulnerable hosts.`
      : `${view.instance} probed ${distinct} TCP ports of ${connection.remoteAddr} within ${minutes} minutes. The instance may be compromised and performing reconnaissance.`,
    firstSeen,
    lastSeen,
    count,
    additionalInfo: sweep ? { scannedPort: connection.remotePort, scannedHosts: distinct } : { scannedPorts: distinct },
    remoteIp: connection.remoteAddr,
  });
}
