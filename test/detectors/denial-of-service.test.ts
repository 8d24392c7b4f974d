import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import denialOfService from '../../lambdas/detectors/denial-of-service';
import type { FlowEvent } from '../../lambdas/engine/events';
import { only, runBatches, runCase } from './harness';

const BOT = '10.0.2.20';
const VICTIM = '203.0.113.77';
const minute = (m: number) => CASE_EPOCH + m * 60_000;
const flood = (minutes: number, perMinute: Partial<FlowEvent>): FlowEvent[] =>
  Array.from({ length: minutes }, (_, m) => flow({ srcAddr: BOT, srcPort: 40_000, dstAddr: VICTIM, dstPort: 80, time: minute(m), ...perMinute }));

describe('denial-of-service detector', () => {
  it.each([
    ['Tcp', { packets: 120_000, bytes: 7_200_000 }, 'TCP', 80],
    ['Udp', { protocol: 17, srcPort: 5_353, dstPort: 27_015, packets: 70_000, bytes: 35_000_000 }, 'UDP', 27_015],
    ['Dns', { protocol: 17, srcPort: 5_353, dstPort: 53, packets: 70_000, bytes: 5_000_000 }, 'UDP', 53],
    ['UdpOnTcpPorts', { protocol: 17, srcPort: 5_353, dstPort: 3389, packets: 40_000, bytes: 20_000_000 }, 'UDP', 3389],
    ['UnusualProtocol', { protocol: 2, srcPort: 0, dstPort: 0, packets: 40_000, bytes: 2_400_000 }, 'IGMP', 0],
  ] as const)('raises DenialOfService.%s as a High ACTOR finding naming the target', async (kind, perMinute, protocol, port) => {
    const finding = only(await runCase(denialOfService, { events: flood(10, perMinute) }), `Backdoor:EC2/DenialOfService.${kind}`);
    expect(finding).toMatchObject({
      severity: 8,
      service: {
        resourceRole: 'ACTOR',
        count: 10,
        additionalInfo: { packetsOut: perMinute.packets * 10 },
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: { protocol, remoteIpDetails: { ipAddressV4: VICTIM }, remotePortDetails: { port }, localIpDetails: { ipAddressV4: BOT } },
        },
      },
    });
  });

  it.each([
    ['Tcp', { packets: 54_000, bytes: 3_240_000 }],
    ['Udp', { protocol: 17, srcPort: 5_353, dstPort: 27_015, packets: 54_000, bytes: 27_000_000 }],
    ['Dns', { protocol: 17, srcPort: 5_353, dstPort: 53, packets: 54_000, bytes: 4_000_000 }],
    ['UdpOnTcpPorts', { protocol: 17, srcPort: 5_353, dstPort: 3389, packets: 27_000, bytes: 13_500_000 }],
    ['UnusualProtocol', { protocol: 2, srcPort: 0, dstPort: 0, packets: 27_000, bytes: 1_600_000 }],
  ] as const)('near miss: %s traffic at 90%% of its rate stays quiet', async (_kind, perMinute) => {
    expect(await runCase(denialOfService, { events: flood(10, perMinute) })).toEqual([]);
  });

  it('catches a SYN flood spread over thousands of source ports, a few packets per record', async () => {
    const events = Array.from({ length: 12_000 }, (_, i) =>
      flow({ srcAddr: BOT, srcPort: 1_024 + (i % 60_000), dstAddr: VICTIM, dstPort: 443, packets: 50, bytes: 3_000, time: minute(i % 10) }),
    );
    expect((await runCase(denialOfService, { events })).map((f) => f.type)).toEqual(['Backdoor:EC2/DenialOfService.Tcp']);
  });

  it('sums one-packet records of a random-source-port UDP flood, but not small traffic spread over many hosts', async () => {
    const settings = { udpPacketsPerSecond: 10 };
    const flood = Array.from({ length: 6_000 }, (_, i) => flow({ protocol: 17, srcAddr: BOT, srcPort: 1_024 + i, dstAddr: VICTIM, dstPort: 9_999, packets: 1, bytes: 512, time: minute(i % 10) }));
    const finding = only(await runCase(denialOfService, { events: flood, settings }), 'Backdoor:EC2/DenialOfService.Udp');
    expect(finding.service.additionalInfo).toMatchObject({ packetsOut: 6_000, targets: 1 });
    const spread = flood.map((e, i) => ({ ...e, dstAddr: `198.51.100.${(i % 20) + 1}` }));
    expect(await runCase(denialOfService, { events: spread, settings })).toEqual([]);
  });

  it('reports once the window crosses the rate, then counts later batches\' records', async () => {
    const events = flood(10, { packets: 120_000, bytes: 7_200_000 });
    const [whole] = await runBatches(denialOfService, [events]);
    const [split] = await runBatches(denialOfService, [events.slice(0, 3), events.slice(3, 6), events.slice(6)]);
    expect(whole!.service.count).toBe(10);
    expect(split!.service.count).toBe(10);
  });

  it('does not accuse a server answering its clients, nor traffic to private addresses', async () => {
    const answers = flood(10, { srcPort: 443, dstPort: 40_000, packets: 120_000, bytes: 7_200_000 });
    const internal = flood(10, { dstAddr: '10.0.3.30', packets: 120_000, bytes: 7_200_000, version: 5, flowDirection: 'egress' });
    expect(await runCase(denialOfService, { events: [...answers, ...internal] })).toEqual([]);
  });

  it('ignores UDP tunnels and QUIC by port, and IPsec by protocol', async () => {
    const events = [
      ...flood(10, { protocol: 17, srcPort: 51_820, dstPort: 51_820, packets: 100_000, bytes: 120_000_000 }),
      ...flood(10, { protocol: 17, srcPort: 50_000, dstPort: 443, packets: 100_000, bytes: 120_000_000 }),
      ...flood(10, { protocol: 50, srcPort: 0, dstPort: 0, packets: 100_000, bytes: 120_000_000 }),
    ];
    expect(await runCase(denialOfService, { events })).toEqual([]);
  });

  it('follows its rate settings', async () => {
    const events = flood(10, { packets: 30_000, bytes: 1_800_000 });
    expect(await runCase(denialOfService, { events })).toEqual([]);
    expect(await runCase(denialOfService, { events, settings: { tcpPacketsPerSecond: 400 } })).toHaveLength(1);
  });
});
