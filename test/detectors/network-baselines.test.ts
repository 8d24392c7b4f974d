import { MemoryStore } from '../../lambdas/adapters/memory';
import { CASE_EPOCH, DAY, dailyHttps, flow, outbound } from '../../lambdas/detectors/common/fixtures';
import baselines, { DNS_RESOLVER_UNUSUAL, DOH_UNUSUAL, DOT_UNUSUAL, PORT_UNUSUAL, SPAMBOT, VOLUME_UNUSUAL } from '../../lambdas/detectors/network-baselines';
import type { FlowEvent } from '../../lambdas/engine/events';
import { only, runBatches, runCase, runDetectors } from './harness';

const APP = '10.0.2.20';
const at = (day: number, hour = 13) => CASE_EPOCH + day * DAY + hour * 3_600_000;
/** Nine days of ordinary HTTPS: a learned profile by day 8. */
const history = () => dailyHttps(9);

describe('network-baselines detector', () => {
  it('raises NetworkPortUnusual as High with the log4j context for an outbound LDAP callback', async () => {
    const findings = await runCase(baselines, { events: [...history(), outbound('203.0.113.50', 1389, { time: at(8), srcPort: 51_000 })] });
    const finding = only(findings, PORT_UNUSUAL);
    expect(finding).toMatchObject({
      severity: 8,
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'eni-0a1b2c3d4e5f60718', networkInterfaces: [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718', privateIpAddress: APP }] } },
      service: {
        resourceRole: 'ACTOR',
        count: 1,
        additionalInfo: { unusual: { port: 1389, protocol: 'TCP' }, context: 'Possible log4j callback' },
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: 'OUTBOUND',
            protocol: 'TCP',
            remotePortDetails: { port: 1389, portName: 'LDAP' },
            remoteIpDetails: { ipAddressV4: '203.0.113.50' },
            localIpDetails: { ipAddressV4: APP },
          },
        },
      },
    });
  });

  it('raises NetworkPortUnusual as Medium for any other new server port, listing every new port of the batch', async () => {
    const events = [...history(), outbound('203.0.113.51', 6667, { time: at(8) }), outbound('203.0.113.52', 4444, { time: at(8, 14), srcPort: 45_001 })];
    const finding = only(await runCase(baselines, { events }), PORT_UNUSUAL);
    expect(finding.severity).toBe(5);
    expect(finding.service.count).toBe(2);
    expect(finding.service.additionalInfo).toMatchObject({ unusual: { port: 6667 }, unusualPorts: ['TCP/6667', 'TCP/4444'] });
    expect(finding.service.additionalInfo).not.toHaveProperty('context');
  });

  it('does not treat a port used during the history as unusual, however the records are batched', async () => {
    const events = [...history(), outbound('203.0.113.50', 8883, { time: at(2) }), outbound('203.0.113.60', 8883, { time: at(8), srcPort: 47_000 })];
    expect(await runCase(baselines, { events })).toEqual([]);
    expect(await runBatches(baselines, events.map((e) => [e]))).toEqual([]);
  });

  it('stays quiet during the learning period and honours a shorter learningDays', async () => {
    const events = [...dailyHttps(4), outbound('203.0.113.50', 1389, { time: at(3) })];
    expect(await runCase(baselines, { events })).toEqual([]);
    const shorter = await runCase(baselines, { events, settings: { learningDays: 2 } });
    expect(shorter.map((f) => f.type)).toEqual([PORT_UNUSUAL]);
  });

  it('raises TrafficVolumeUnusual for a record far above the largest the instance ever sent', async () => {
    const big = outbound('198.51.100.99', 443, { time: at(8), srcPort: 52_000, packets: 2_500_000, bytes: 3_500_000_000 });
    const finding = only(await runCase(baselines, { events: [...history(), big] }), VOLUME_UNUSUAL);
    expect(finding).toMatchObject({
      severity: 5,
      service: {
        resourceRole: 'ACTOR',
        additionalInfo: { outBytes: 3_500_000_000, usualMaxBytes: 4096 },
        action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '198.51.100.99' }, remotePortDetails: { port: 443 } } },
      },
    });
  });

  it('learns a nightly multi-GB backup: the next night stays quiet', async () => {
    const backup = (day: number) => outbound('52.216.8.10', 443, { time: at(day, 2), srcPort: 50_000, packets: 380_000, bytes: 520_000_000 });
    const events = [...history(), ...Array.from({ length: 9 }, (_, d) => backup(d))];
    expect(await runCase(baselines, { events })).toEqual([]);
  });

  it('raises UnusualDNSResolver, UnusualDoHActivity and UnusualDoTActivity for new public resolvers', async () => {
    const events = [
      ...history(),
      outbound('8.8.8.8', 53, { time: at(8), protocol: 17, srcPort: 53_000, packets: 1, bytes: 70 }),
      outbound('1.1.1.1', 443, { time: at(8, 14) }),
      outbound('9.9.9.9', 853, { time: at(8, 15) }),
    ];
    const findings = await runCase(baselines, { events });
    expect(findings.map((f) => f.type).sort()).toEqual([DNS_RESOLVER_UNUSUAL, DOH_UNUSUAL, DOT_UNUSUAL]);
    expect(only(findings, DNS_RESOLVER_UNUSUAL)).toMatchObject({
      severity: 5,
      service: {
        resourceRole: 'ACTOR',
        additionalInfo: { unusual: '8.8.8.8', provider: 'Google Public DNS' },
        action: { networkConnectionAction: { protocol: 'UDP', remotePortDetails: { port: 53, portName: 'DNS' }, remoteIpDetails: { ipAddressV4: '8.8.8.8' } } },
      },
    });
    expect(only(findings, DOH_UNUSUAL).service.additionalInfo).toMatchObject({ unusual: '1.1.1.1', provider: 'Cloudflare' });
    expect(only(findings, DOT_UNUSUAL).service.action.networkConnectionAction?.remotePortDetails).toEqual({ port: 853, portName: 'DNS-over-TLS' });
  });

  it('near miss: resolvers and DoT servers used during the history are not unusual', async () => {
    const used = [outbound('8.8.8.8', 53, { time: at(1), protocol: 17, srcPort: 53_000, packets: 1, bytes: 70 }), outbound('9.9.9.9', 853, { time: at(1, 14) }), outbound('1.1.1.1', 443, { time: at(1, 15) })];
    const again = [outbound('8.8.8.8', 53, { time: at(8), protocol: 17, srcPort: 53_010, packets: 1, bytes: 70 }), outbound('9.9.9.9', 853, { time: at(8, 14), srcPort: 45_010 }), outbound('1.1.1.1', 443, { time: at(8, 15), srcPort: 45_011 })];
    expect(await runCase(baselines, { events: [...history(), ...used, ...again] })).toEqual([]);
  });

  it('treats HTTPS to an address that is not a known DoH server as ordinary, unless configured', async () => {
    const events = [...history(), outbound('203.0.113.53', 443, { time: at(8) })];
    expect(await runCase(baselines, { events })).toEqual([]);
    const configured = await runCase(baselines, { events, settings: { extraDohServers: '203.0.113.53' } });
    expect(configured.map((f) => f.type)).toEqual([DOH_UNUSUAL]);
  });

  it('raises Spambot when an instance without port-25 history mails five internet hosts', async () => {
    const spam = Array.from({ length: 6 }, (_, i) => outbound(`198.51.100.${60 + i}`, 25, { time: at(8) + i * 60_000, srcPort: 46_000 + i }));
    const findings = await runCase(baselines, { events: [...history(), ...spam] });
    const finding = only(findings, SPAMBOT);
    expect(finding).toMatchObject({
      severity: 5,
      service: { resourceRole: 'ACTOR', count: 6, additionalInfo: { remoteHosts: 6 }, action: { networkConnectionAction: { remotePortDetails: { port: 25, portName: 'SMTP' } } } },
    });
    // The first port-25 connection is also a new server port.
    expect(findings.map((f) => f.type).sort()).toEqual([PORT_UNUSUAL, SPAMBOT].sort());
  });

  it('keeps a mail relay with a port-25 history quiet, and needs five hosts', async () => {
    const daily25 = Array.from({ length: 9 }, (_, d) => Array.from({ length: 6 }, (_, i) => outbound(`198.51.100.${60 + i}`, 25, { time: at(d) + i * 60_000, srcPort: 46_000 + i }))).flat();
    expect(await runCase(baselines, { events: [...history(), ...daily25] })).toEqual([]);
    const four = Array.from({ length: 4 }, (_, i) => outbound(`198.51.100.${60 + i}`, 25, { time: at(8) + i * 60_000, srcPort: 46_000 + i }));
    expect((await runCase(baselines, { events: [...history(), ...four] })).map((f) => f.type)).toEqual([PORT_UNUSUAL]);
  });

  it('keeps the profile in the State port: a second engine on the same store still knows the history', async () => {
    const store = new MemoryStore();
    expect(await runDetectors([baselines], [history()], { store })).toEqual([]);
    const findings = await runDetectors([baselines], [[outbound('203.0.113.50', 1389, { time: at(8, 20) })]], { store });
    expect(findings.map((f) => f.type)).toEqual([PORT_UNUSUAL]);
  });

  it('gives the same answer whether the week arrives in one batch or a batch per record', async () => {
    const events = [...history(), outbound('203.0.113.50', 1389, { time: at(8) }), outbound('9.9.9.9', 853, { time: at(8, 15) })];
    const whole = await runBatches(baselines, [events]);
    const split = await runBatches(baselines, events.map((e) => [e]));
    const summary = (fs: typeof whole) => fs.map((f) => [f.type, f.severity, f.service.count]).sort();
    expect(summary(split)).toEqual(summary(whole));
  });

  it('bounds its state: at most two profile keys per instance, and a scanner cannot grow one past the sketch', async () => {
    const store = new MemoryStore();
    // Thirty days of traffic: old epochs expire as event time moves on.
    const month: FlowEvent[][] = Array.from({ length: 30 }, (_, d) => dailyHttps(1, { time: CASE_EPOCH + d * DAY }));
    await runDetectors([baselines], month, { store });
    expect([...store.state.keys()].filter((k) => k.startsWith('network-baselines|')).length).toBeLessThanOrEqual(2);

    const scan = Array.from({ length: 20_000 }, (_, i) => outbound('203.0.113.99', 1 + (i % 49_000), { time: at(31) + i, srcPort: 60_000 }));
    await runDetectors([baselines], [scan], { store });
    for (const [key, value] of store.state) {
      if (!key.startsWith('network-baselines|')) continue;
      expect(Object.keys(value.counters).length).toBeLessThanOrEqual(2 * 4096 + 48 + 1);
    }
  });

  it('ignores what it does not profile: inbound connections, rejected records, private peers', async () => {
    const events = [
      ...history(),
      flow({ srcAddr: '198.51.100.7', srcPort: 55_000, dstAddr: APP, dstPort: 9999, time: at(8) }),
      outbound('203.0.113.50', 1389, { time: at(8), action: 'REJECT' }),
      outbound('10.0.3.30', 1389, { time: at(8), version: 5, flowDirection: 'egress' }),
    ];
    expect(await runCase(baselines, { events })).toEqual([]);
  });
});

describe('network-baselines after an aborted batch', () => {
  it('learns everything when the engine retries a batch whose state write failed', async () => {
    const { Engine } = await import('../../lambdas/engine/engine');
    const { scope } = await import('./harness');
    const store = new MemoryStore();
    let merges = 0;
    const merge = store.merge.bind(store);
    // The second batch's state write fails once, as a throttled DynamoDB write would.
    store.merge = async (deltas: Parameters<MemoryStore['merge']>[0]) => {
      if (++merges === 2) throw new Error('throttled');
      return merge(deltas);
    };
    const engine = new Engine({ detectors: [baselines], state: store, findings: store, ledger: store, scope });
    const monday = dailyHttps(2);
    const week = [...dailyHttps(6, { time: CASE_EPOCH + 2 * DAY }), outbound('203.0.113.50', 8883, { time: at(3) })];
    await engine.processBatch(monday, 'input#0');
    await expect(engine.processBatch(week, 'input#1')).rejects.toThrow('throttled');
    await engine.processBatch(week, 'input#1');
    // A genuinely new port next week is reported; the port learned in the retried batch is not.
    const newPort = await engine.processBatch([outbound('203.0.113.60', 9443, { time: at(8), srcPort: 47_000 })], 'input#2');
    expect(newPort.changes.map((c) => c.finding.service.additionalInfo?.unusual)).toEqual([{ port: 9443, protocol: 'TCP' }]);
    const learnedPort = await engine.processBatch([outbound('203.0.113.61', 8883, { time: at(9), srcPort: 47_001 })], 'input#3');
    expect(learnedPort.changes).toEqual([]);
  });
});
