import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import portScanning, { PORTSCAN, PORT_SWEEP } from '../../lambdas/detectors/port-scanning';
import { InventoryFile } from '../../lambdas/adapters/inventory-file';
import { only, runBatches, runCase, runDetectors } from './harness';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SCANNER = '10.0.2.20';
const probe = (dstAddr: string, dstPort: number, i: number, extra: Parameters<typeof flow>[0] = {}) =>
  flow({ srcAddr: SCANNER, srcPort: 61_000, dstAddr, dstPort, packets: 1, bytes: 44, time: CASE_EPOCH + i * 1_000, ...extra });

describe('port-scanning detector', () => {
  it('raises a Medium ACTOR Portscan naming the scanned host and the number of ports', async () => {
    const events = Array.from({ length: 40 }, (_, i) => probe('203.0.113.80', 20 + i, i, { instanceId: 'i-0scanner' }));
    const finding = only(await runCase(portScanning, { events }), PORTSCAN);
    expect(finding).toMatchObject({
      severity: 5,
      resource: { instanceDetails: { instanceId: 'i-0scanner' } },
      service: {
        resourceRole: 'ACTOR',
        count: 40,
        additionalInfo: { scannedPorts: 40 },
        action: { networkConnectionAction: { connectionDirection: 'OUTBOUND', protocol: 'TCP', remoteIpDetails: { ipAddressV4: '203.0.113.80' }, remotePortDetails: { port: 59 } } },
      },
    });
  });

  it('raises a High ACTOR PortSweep naming the swept port', async () => {
    const events = Array.from({ length: 80 }, (_, i) => probe(`198.51.100.${i + 1}`, 6379, i));
    const finding = only(await runCase(portScanning, { events }), PORT_SWEEP);
    expect(finding).toMatchObject({
      severity: 8,
      service: {
        resourceRole: 'ACTOR',
        count: 80,
        additionalInfo: { scannedPort: 6379, scannedHosts: 80 },
        action: { networkConnectionAction: { remotePortDetails: { port: 6379, portName: 'REDIS' }, remoteIpDetails: { ipAddressV4: '198.51.100.80' } } },
      },
    });
  });

  it('counts the answers (RST, SYN-ACK) of a probed port as the same port, and rejected probes as probes', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => probe('203.0.113.80', 100 + i, i));
    const answers = requests.map((r) => flow({ ...r, srcAddr: r.dstAddr, dstAddr: r.srcAddr, srcPort: r.dstPort, dstPort: r.srcPort }));
    expect(await runCase(portScanning, { events: [...requests, ...answers] })).toEqual([]);
    const rejected = Array.from({ length: 10 }, (_, i) => probe('203.0.113.80', 200 + i, 20 + i, { action: 'REJECT' }));
    expect((await runCase(portScanning, { events: [...requests, ...answers, ...rejected] })).map((f) => f.type)).toEqual([PORTSCAN]);
  });

  it('ignores records with a FIN (finished connections) when TCP flags are logged', async () => {
    const events = Array.from({ length: 40 }, (_, i) => probe('203.0.113.80', 20 + i, i, { version: 5, flowDirection: 'egress', tcpFlags: 3 }));
    expect(await runCase(portScanning, { events })).toEqual([]);
  });

  it('gives the same count however the probes are batched', async () => {
    const events = Array.from({ length: 50 }, (_, i) => probe('203.0.113.80', 20 + i, i));
    const [whole] = await runBatches(portScanning, [events]);
    const [split] = await runBatches(portScanning, [events.slice(0, 29), events.slice(29, 31), events.slice(31)]);
    expect(split!.service.count).toBe(whole!.service.count);
    expect(whole!.service.count).toBe(50);
  });

  it('sees an internal scan when the record says which way it went, not otherwise', async () => {
    const v5 = Array.from({ length: 40 }, (_, i) => probe('10.0.3.30', 20 + i, i, { version: 5, flowDirection: 'egress' }));
    expect((await runCase(portScanning, { events: v5 })).map((f) => f.type)).toEqual([PORTSCAN]);
    const v2 = Array.from({ length: 40 }, (_, i) => probe('10.0.3.30', 20 + i, i));
    expect(await runCase(portScanning, { events: v2 })).toEqual([]);
  });

  it('orients a v2 internal scan with an inventory and reports it on the instance id', async () => {
    const inventory = InventoryFile.parse(readFileSync(join(__dirname, '../fixtures/inventory/describe-instances.json'), 'utf8'));
    const events = Array.from({ length: 40 }, (_, i) => probe('10.0.1.10', 20 + i, i, { interfaceId: 'eni-000000000000001b1' }));
    const finding = only(await runDetectors([portScanning], [events], { interfaces: inventory }), PORTSCAN);
    expect(finding.resource.instanceDetails?.instanceId).toBe('i-000000000000000b1');
  });

  it('follows its settings', async () => {
    const events = Array.from({ length: 12 }, (_, i) => probe('203.0.113.80', 20 + i, i));
    expect(await runCase(portScanning, { events, settings: { portscanPorts: 10 } })).toHaveLength(1);
    const chunky = Array.from({ length: 40 }, (_, i) => probe('203.0.113.80', 20 + i, i, { packets: 6, bytes: 400 }));
    expect(await runCase(portScanning, { events: chunky })).toEqual([]);
    expect(await runCase(portScanning, { events: chunky, settings: { probeMaxPackets: 6 } })).toHaveLength(1);
  });
});
