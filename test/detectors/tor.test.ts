import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import tor, { TOR_CLIENT, TOR_RELAY } from '../../lambdas/detectors/tor';
import { only, runCase } from './harness';

const RELAYS = [{ name: 'tor-consensus', category: 'tor-relay', kind: 'threat' as const, entries: ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'] }];
const EXITS = [{ name: 'tor-exits', category: 'tor-exit', kind: 'threat' as const, entries: ['198.51.100.66'] }];
const APP = '10.0.2.20';

describe('tor detector', () => {
  it('raises a High ACTOR TorClient naming the guard and its list', async () => {
    const finding = only(await runCase(tor, { intel: RELAYS, events: [flow({ srcAddr: APP, srcPort: 48_000, dstAddr: '192.0.2.10', dstPort: 9001 })] }), TOR_CLIENT);
    expect(finding).toMatchObject({
      severity: 8,
      service: {
        resourceRole: 'ACTOR',
        additionalInfo: { threatListName: 'tor-consensus', threatName: 'TorClient' },
        action: { networkConnectionAction: { connectionDirection: 'OUTBOUND', remoteIpDetails: { ipAddressV4: '192.0.2.10' }, remotePortDetails: { port: 9001, portName: 'TOR' } } },
      },
    });
  });

  it('knows the directory authorities without a feed, IPv6 included', async () => {
    const finding = only(await runCase(tor, { events: [flow({ version: 5, flowDirection: 'egress', srcAddr: '2600:1f18::15', srcPort: 48_000, dstAddr: '2001:67c:289c::9', dstPort: 80 })] }), TOR_CLIENT);
    expect(finding.service.evidence?.threatIntelligenceDetails?.[0]).toMatchObject({ threatListName: 'tor-directory-authorities (built in)', threatNames: ['TorClient'] });
  });

  it('uses the exit list too, and counts a rejected attempt as a client', async () => {
    const finding = only(await runCase(tor, { intel: EXITS, events: [flow({ srcAddr: APP, srcPort: 48_000, dstAddr: '198.51.100.66', dstPort: 443, action: 'REJECT' })] }), TOR_CLIENT);
    expect(finding.service.action.networkConnectionAction?.blocked).toBe(true);
  });

  it('near miss: neither an address next to a relay, nor a single relay connecting in, is a Tor client', async () => {
    const events = [flow({ srcAddr: APP, srcPort: 48_000, dstAddr: '192.0.2.14', dstPort: 9001 }), flow({ srcAddr: '192.0.2.11', srcPort: 50_000, dstAddr: APP, dstPort: 9001 })];
    expect(await runCase(tor, { intel: RELAYS, events })).toEqual([]);
  });

  it('raises TorRelay when three relays connect in within the hour', async () => {
    const events = ['192.0.2.11', '192.0.2.12', '192.0.2.13'].map((srcAddr, i) => flow({ srcAddr, srcPort: 50_000 + i, dstAddr: APP, dstPort: 9001, time: CASE_EPOCH + i * 600_000 }));
    const finding = only(await runCase(tor, { intel: RELAYS, events }), TOR_RELAY);
    expect(finding).toMatchObject({
      severity: 8,
      service: {
        resourceRole: 'ACTOR',
        additionalInfo: { inboundTorNodes: 3 },
        action: { networkConnectionAction: { connectionDirection: 'INBOUND', localPortDetails: { port: 9001 }, remoteIpDetails: { ipAddressV4: '192.0.2.13' } } },
      },
    });
  });

  it('does not count relays connecting in different hours', async () => {
    const events = ['192.0.2.11', '192.0.2.12', '192.0.2.13'].map((srcAddr, i) => flow({ srcAddr, srcPort: 50_000 + i, dstAddr: APP, dstPort: 9001, time: CASE_EPOCH + i * 3_600_000 }));
    expect(await runCase(tor, { intel: RELAYS, events })).toEqual([]);
  });

  it('detects a relay by its ORPort clients when the heuristic is enabled', async () => {
    const events = Array.from({ length: 25 }, (_, i) => flow({ srcAddr: `198.51.100.${i + 1}`, srcPort: 50_000 + i, dstAddr: APP, dstPort: 9001 }));
    const finding = only(await runCase(tor, { events, settings: { orPorts: '9001' } }), TOR_RELAY);
    expect(finding.service.additionalInfo).toMatchObject({ orPortClients: 25 });
  });
});
