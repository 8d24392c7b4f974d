import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import threatIntel from '../../lambdas/detectors/ec2-threat-intel';
import { only, runCase } from './harness';

const FEEDS = [
  { name: 'c2-feed', category: 'c2', kind: 'threat' as const, entries: ['192.0.2.66', '2001:db8:c2::/48'] },
  { name: 'pools', category: 'mining', kind: 'threat' as const, entries: ['198.51.100.128/25'] },
  { name: 'sinkholes', category: 'blackhole', kind: 'threat' as const, entries: ['203.0.113.13'] },
  { name: 'drops', category: 'drop-point', kind: 'threat' as const, entries: ['203.0.113.14'] },
];
const APP = '10.0.2.20';
const out = (dstAddr: string, dstPort: number, extra: Parameters<typeof flow>[0] = {}) => flow({ srcAddr: APP, srcPort: 44_123, dstAddr, dstPort, ...extra });

describe('ec2-threat-intel detector', () => {
  it.each([
    ['Backdoor:EC2/C&CActivity.B', '192.0.2.66', 8, 'c2-feed', 'CommandAndControl'],
    ['CryptoCurrency:EC2/BitcoinTool.B', '198.51.100.201', 8, 'pools', 'CryptoCurrencyMining'],
    ['Trojan:EC2/BlackholeTraffic', '203.0.113.13', 5, 'sinkholes', 'Blackhole'],
    ['Trojan:EC2/DropPoint', '203.0.113.14', 5, 'drops', 'DropPoint'],
  ])('raises %s for an outbound connection, with the list and the remote address', async (type, remote, severity, list, threatName) => {
    const finding = only(await runCase(threatIntel, { intel: FEEDS, events: [out(remote, 8443)] }), type);
    expect(finding).toMatchObject({
      severity,
      service: {
        resourceRole: 'ACTOR',
        additionalInfo: { threatListName: list, threatName },
        evidence: { threatIntelligenceDetails: [{ threatListName: list, threatNames: [threatName] }] },
        action: { networkConnectionAction: { connectionDirection: 'OUTBOUND', blocked: false, remoteIpDetails: { ipAddressV4: remote }, remotePortDetails: { port: 8443 } } },
      },
    });
  });

  it.each([
    ['C&C', '192.0.2.67'],
    ['mining', '198.51.100.127'],
    ['blackhole', '203.0.113.12'],
    ['drop-point', '203.0.113.15'],
  ])('near miss (%s): the neighbouring address, not on the feed, stays quiet', async (_feed, remote) => {
    expect(await runCase(threatIntel, { intel: FEEDS, events: [out(remote, 8443)] })).toEqual([]);
  });

  it('near miss: a drop point connecting in is not an upload to it', async () => {
    expect(await runCase(threatIntel, { intel: FEEDS, events: [flow({ srcAddr: '203.0.113.14', srcPort: 51_000, dstPort: 8443 })] })).toEqual([]);
  });

  it('makes the instance the TARGET when a C&C address connects in, and matches IPv6', async () => {
    const inbound = flow({ version: 5, flowDirection: 'ingress', srcAddr: '2001:db8:c2::9', srcPort: 51_000, dstAddr: '2600:1f18::15', dstPort: 4444 });
    const finding = only(await runCase(threatIntel, { intel: FEEDS, events: [inbound] }), 'Backdoor:EC2/C&CActivity.B');
    expect(finding.service.resourceRole).toBe('TARGET');
    expect(finding.service.action.networkConnectionAction?.remoteIpDetails).toEqual({ ipAddressV6: '2001:db8:c2::9' });
  });

  it('shows blocked: true for an outbound attempt the security group rejected', async () => {
    const finding = only(await runCase(threatIntel, { intel: FEEDS, events: [out('192.0.2.66', 443, { action: 'REJECT' })] }), 'Backdoor:EC2/C&CActivity.B');
    expect(finding.service.action.networkConnectionAction?.blocked).toBe(true);
  });

  it('raises BitcoinTool.B from the port heuristic with its context, and not when it is turned off', async () => {
    const held = Array.from({ length: 4 }, (_, i) => out('198.51.100.9', 8333, { time: CASE_EPOCH + i * 600_000, packets: 30, bytes: 3_000 }));
    const finding = only(await runCase(threatIntel, { events: held }), 'CryptoCurrency:EC2/BitcoinTool.B');
    expect(finding).toMatchObject({
      severity: 8,
      service: { resourceRole: 'ACTOR', additionalInfo: { context: 'Sustained connection to a cryptocurrency port', port: 8333, portUse: 'Bitcoin P2P' } },
    });
    expect(await runCase(threatIntel, { events: held, settings: { stratumPorts: '' } })).toEqual([]);
  });

  it('aggregates repeated beacons into one finding per instance and role', async () => {
    const beacons = Array.from({ length: 5 }, (_, i) => out('192.0.2.66', 443, { time: CASE_EPOCH + i * 60_000, srcPort: 44_000 + i }));
    const finding = only(await runCase(threatIntel, { intel: FEEDS, events: beacons }), 'Backdoor:EC2/C&CActivity.B');
    expect(finding.service.count).toBe(5);
  });
});
