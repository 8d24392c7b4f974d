/**
 * Denial of service from the instance toward one internet host: GuardDuty's `Backdoor:EC2/DenialOfService.*`
 * family. The instance is the ACTOR (it is likely part of a botnet); the finding names the target.
 *
 * | finding type | traffic the instance sends to one internet target | default rate |
 * | --- | --- | --- |
 * | .Tcp | TCP floods made of header-only packets (SYN, ACK, RST floods) | `tcpPacketsPerSecond` = 1,000 |
 * | .Udp | UDP, much more sent than received | `udpPacketsPerSecond` = 1,000 |
 * | .Dns | DNS (UDP or TCP port 53) | `dnsPacketsPerSecond` = 1,000 |
 * | .UdpOnTcpPorts | UDP to ports only TCP services use (`tcpOnlyPorts`) | `udpOnTcpPacketsPerSecond` = 500 |
 * | .UnusualProtocol | IP protocols other than TCP, UDP and ICMP (GRE, IGMP…) | `unusualProtocolPacketsPerSecond` = 500 |
 *
 * Rates are averages over a fixed window of `windowMinutes` = 10 of event time (the longest flow-log
 * aggregation interval, so a 10-minute record is never judged against a shorter budget). GuardDuty
 * publishes no threshold. 1,000 packets per second held for ten minutes toward one host is modest for a
 * flood and far above what an instance's own traffic to one internet host looks like, once bulk transfers
 * are told apart by their shape:
 * - TCP: a flood is header-only (average packet ≤ `maxFloodPacketBytes` = 120 bytes) and gets back at
 *   most about as much as it sends. An upload has full-size packets; a download's ACK stream is
 *   header-only but receives 20–50 times its bytes. Payload floods (HTTP floods) look like uploads in flow
 *   logs and are not reported. Only connections the instance opens count, so a server answering its
 *   clients is never a suspect.
 * - UDP: the instance must send more bytes than it receives. Tunnels and QUIC carry bulk data to one peer
 *   over UDP and are ignored by port (`udpIgnorePorts` = 443 QUIC, 500/4500 IPsec, 1194 OpenVPN, 51820
 *   WireGuard), like IPsec's own protocols (`unusualProtocolIgnore` = 50 ESP, 51 AH).
 * - ICMP is not covered: GuardDuty has no ICMP type, and ping floods are rate-limited at the hypervisor.
 *
 * Which records are counted, in two kinds of state (so that ordinary traffic creates almost none):
 * - records of at least `gatePackets` = 100 packets between the instance and an internet host (either
 *   way; replies are needed to see a download's data) add to a per-target window;
 * - smaller records the instance sends that look like flood packets — TCP header-only records of
 *   connections it opened, any UDP or other non-TCP record — add to one per-instance window that keeps
 *   the distinct targets (up to `maxSpreadTargets` = 8 may share the rate). Floods from random source
 *   ports put one or two packets in each flow record, so they only show up summed this way.
 * Only connections the instance opens count for TCP, so a server answering its clients is never a suspect.
 */
import { defineDetector, numberSetting, type DetectorCase, type DetectorContext } from '../engine/detector';
import type { FlowEvent } from '../engine/events';
import { SEVERITY } from '../engine/finding';
import { windowStart } from '../engine/state';
import { CASE_EPOCH, flow } from './common/fixtures';
import { type FlowView, flowView, onInstance, protocolName } from './common/network';
import { portListSetting } from './common/settings';

const TYPE_PREFIX = 'Backdoor:EC2/DenialOfService.';

type FloodClass = 'Tcp' | 'Udp' | 'Dns' | 'UdpOnTcpPorts' | 'UnusualProtocol';

const RATE_SETTING: Readonly<Record<FloodClass, string>> = {
  Tcp: 'tcpPacketsPerSecond',
  Udp: 'udpPacketsPerSecond',
  Dns: 'dnsPacketsPerSecond',
  UdpOnTcpPorts: 'udpOnTcpPacketsPerSecond',
  UnusualProtocol: 'unusualProtocolPacketsPerSecond',
};

const DESCRIPTIONS: Readonly<Record<FloodClass, string>> = {
  Tcp: 'a TCP flood (header-only packets)',
  Udp: 'a UDP flood',
  Dns: 'a DNS flood',
  UdpOnTcpPorts: 'a UDP flood on ports normally used by TCP',
  UnusualProtocol: 'a flood using an unusual IP protocol',
};

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const DNS_PORT = 53;

// ---------------------------------------------------------------------------------------------------------
// Cases

const BOT = '10.0.2.20';
const VICTIM = '203.0.113.77';
const minute = (m: number) => CASE_EPOCH + m * 60_000;
/** `minutes` one-minute records of a flood from the bot to the victim. */
const flood = (minutes: number, perMinute: Parameters<typeof flow>[0]) =>
  Array.from({ length: minutes }, (_, m) => flow({ srcAddr: BOT, srcPort: 40_000, dstAddr: VICTIM, dstPort: 80, time: minute(m), ...perMinute }));

const cases: DetectorCase<'vpcflow'>[] = [
  {
    name: 'the instance sends a SYN flood of 5,000 packets a second to one host for ten minutes',
    events: flood(10, { packets: 300_000, bytes: 18_000_000, tcpFlags: 2, version: 5, flowDirection: 'egress' }),
    expect: [`${TYPE_PREFIX}Tcp`],
  },
  {
    name: 'the instance floods UDP port 80 (a TCP port) of one host',
    events: flood(10, { protocol: UDP, srcPort: 5_000, packets: 40_000, bytes: 20_000_000 }),
    expect: [`${TYPE_PREFIX}UdpOnTcpPorts`],
  },
  {
    name: 'the instance floods one host with GRE packets',
    events: flood(10, { protocol: 47, srcPort: 0, dstPort: 0, packets: 60_000, bytes: 60_000_000 }),
    expect: [`${TYPE_PREFIX}UnusualProtocol`],
  },
  {
    name: 'near miss: a SYN flood at 900 packets a second, under the TCP rate',
    events: flood(10, { packets: 54_000, bytes: 3_240_000, tcpFlags: 2 }),
    expect: [],
  },
  {
    name: 'near miss: 3,000 UDP packets a second, but the host answers with more than it gets (a game or media session)',
    events: [
      ...flood(10, { protocol: UDP, srcPort: 40_000, dstPort: 27_015, packets: 180_000, bytes: 20_000_000 }),
      ...flood(10, { protocol: UDP, srcAddr: VICTIM, srcPort: 27_015, dstAddr: BOT, dstPort: 40_000, packets: 200_000, bytes: 240_000_000 }),
    ],
    expect: [],
  },
  {
    name: 'benign: a nightly backup uploads 2 GB a minute to one S3 address',
    events: flood(10, { dstAddr: '52.216.8.10', dstPort: 443, packets: 380_000, bytes: 520_000_000 }),
    expect: [],
  },
  {
    name: 'benign: a large download, whose ACK stream is header-only',
    events: [
      ...flood(10, { dstAddr: '52.216.8.10', dstPort: 443, packets: 400_000, bytes: 20_800_000 }),
      ...flood(10, { srcAddr: '52.216.8.10', srcPort: 443, dstAddr: BOT, dstPort: 40_000, packets: 800_000, bytes: 1_150_000_000 }),
    ],
    expect: [],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Detector

interface FloodContext {
  readonly view: FlowView;
  readonly floodClass: FloodClass;
}

export default defineDetector<'vpcflow', FloodContext>({
  source: 'vpcflow',
  meta: {
    id: 'denial-of-service',
    title: 'Denial-of-service floods from the instance toward an internet host',
    findingTypes: (Object.keys(RATE_SETTING) as FloodClass[]).map((c) => ({
      type: TYPE_PREFIX + c,
      severity: 'High' as const,
      resourceType: 'Instance' as const,
      description: `The instance sends ${DESCRIPTIONS[c]} to an internet host.`,
    })),
    mitre: { tactic: 'Impact', technique: 'T1498 Network Denial of Service' },
    runbook: 'Isolate the instance (remove its egress rules); it is likely compromised and part of a botnet. Preserve the disk for forensics before terminating it.',
    defaults: {
      windowMinutes: 10,
      tcpPacketsPerSecond: 1_000,
      udpPacketsPerSecond: 1_000,
      dnsPacketsPerSecond: 1_000,
      udpOnTcpPacketsPerSecond: 500,
      unusualProtocolPacketsPerSecond: 500,
      maxFloodPacketBytes: 120,
      gatePackets: 100,
      maxSpreadTargets: 8,
      tcpOnlyPorts: '21,22,23,25,80,110,143,445,465,587,993,995,1433,1521,3306,3389,5432,5900,6379,8080,8443,9200,27017',
      udpIgnorePorts: '443,500,1194,4500,51820',
      unusualProtocolIgnore: '50,51',
    },
  },
  onEvent(event, ctx) {
    const protocol = event.protocol;
    if (protocol === ICMP || protocol === ICMPV6) return;
    const tcp = protocol === TCP;
    const big = event.packets >= numberSetting(ctx, 'gatePackets');
    // Most TCP records are small records of real connections: neither header-only nor big enough.
    if (tcp && !big && event.bytes > event.packets * numberSetting(ctx, 'maxFloodPacketBytes')) return;
    const view = flowView(event, ctx);
    const connection = view.connection;
    if (connection === undefined || !view.remoteIsInternet) return;
    if (tcp && connection.direction !== 'OUTBOUND') return;
    if (!view.egress && !big) return;
    const floodClass = classify(ctx, event, connection.remotePort);
    if (floodClass === undefined) return;
    const windowMs = numberSetting(ctx, 'windowMinutes') * 60_000;
    const start = windowStart(event.time, windowMs);
    const counters: Record<string, number> = view.egress ? { records: 1, packetsOut: event.packets, bytesOut: event.bytes } : { records: 1, packetsIn: event.packets, bytesIn: event.bytes };
    const spread = !big;
    ctx.accumulate(
      {
        key: spread ? `${floodClass}|${view.instance}|*|${start}` : `${floodClass}|${view.instance}|${connection.remoteAddr}|${start}`,
        expiresAt: start + 2 * windowMs,
        counters,
        ...(spread ? { sets: { targets: [connection.remoteAddr] } } : {}),
        min: { first: event.time },
        max: { last: event.endTime },
      },
      event.time,
      { view, floodClass },
    );
  },
  onState({ key, total, batch, latest }, ctx) {
    const { floodClass, view } = latest;
    const windowSeconds = numberSetting(ctx, 'windowMinutes') * 60;
    const threshold = numberSetting(ctx, RATE_SETTING[floodClass]) * windowSeconds;
    const packetsOut = total.counters.packetsOut ?? 0;
    if (packetsOut < threshold) return;
    const spread = key.includes('|*|');
    const targets = spread ? (total.sets.targets?.length ?? 0) : 1;
    // Small records were flood-shaped when counted; big ones are judged on the window's totals.
    if (spread ? targets > numberSetting(ctx, 'maxSpreadTargets') : !floodShaped(ctx, floodClass, total.counters)) return;
    const packetsOutBefore = packetsOut - (batch.counters.packetsOut ?? 0);
    const count = packetsOutBefore >= threshold ? (batch.counters.records ?? 1) : (total.counters.records ?? 1);
    emitFlood(ctx, view, floodClass, total.counters, targets, windowSeconds, count, total.min.first ?? view.event.time, total.max.last ?? view.event.endTime);
  },
  cases,
});

function classify(ctx: DetectorContext, event: FlowEvent, remotePort: number): FloodClass | undefined {
  const protocol = event.protocol;
  if (protocol === TCP) return remotePort === DNS_PORT ? 'Dns' : 'Tcp';
  if (protocol === UDP) {
    if (remotePort === DNS_PORT) return 'Dns';
    if (portListSetting(ctx, 'udpIgnorePorts').has(remotePort)) return undefined;
    return portListSetting(ctx, 'tcpOnlyPorts').has(remotePort) ? 'UdpOnTcpPorts' : 'Udp';
  }
  return portListSetting(ctx, 'unusualProtocolIgnore').has(protocol) ? undefined : 'UnusualProtocol';
}

function floodShaped(ctx: DetectorContext, floodClass: FloodClass, counters: Readonly<Record<string, number>>): boolean {
  const packetsOut = counters.packetsOut ?? 0;
  const bytesOut = counters.bytesOut ?? 0;
  const bytesIn = counters.bytesIn ?? 0;
  switch (floodClass) {
    case 'Tcp':
      return bytesOut <= packetsOut * numberSetting(ctx, 'maxFloodPacketBytes') && bytesIn <= 2 * bytesOut;
    case 'Udp':
    case 'UdpOnTcpPorts':
      return bytesIn <= bytesOut;
    case 'Dns':
    case 'UnusualProtocol':
      return true;
  }
}

function emitFlood(
  ctx: DetectorContext,
  view: FlowView,
  floodClass: FloodClass,
  counters: Readonly<Record<string, number>>,
  targets: number,
  windowSeconds: number,
  count: number,
  firstSeen: number,
  lastSeen: number,
): void {
  const connection = view.connection!;
  const packetsOut = counters.packetsOut ?? 0;
  const rate = Math.round(packetsOut / windowSeconds);
  ctx.emit({
    type: TYPE_PREFIX + floodClass,
    severity: SEVERITY.High,
    resourceRole: 'ACTOR',
    ...onInstance(view.event, connection, view.instance),
    title: `EC2 instance ${view.instance} is behaving in a manner that may indicate it is being used to perform a Denial of Service (DoS) attack using ${floodClass === 'UnusualProtocol' ? `protocol ${protocolName(view.event.protocol)}` : floodClass === 'UdpOnTcpPorts' ? 'UDP on TCP ports' : `the ${floodClass.toUpperCase()} protocol`}.`,
    description: `${view.instance} sent ${DESCRIPTIONS[floodClass]} to ${connection.remoteAddr} (${protocolName(view.event.protocol)} port ${connection.remotePort})${targets > 1 ? ` and ${targets - 1} other host(s)` : ''}: ${packetsOut.toLocaleString('en-US')} packets in ${windowSeconds / 60} minutes, about ${rate.toLocaleString('en-US')} per second.`,
    firstSeen,
    lastSeen,
    count,
    additionalInfo: { packetsOut, bytesOut: counters.bytesOut ?? 0, bytesIn: counters.bytesIn ?? 0, packetsPerSecond: rate, targets },
    remoteIp: connection.remoteAddr,
  });
}
