import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryFile } from '../../lambdas/adapters/inventory-file';
import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import portProbe, { EMR_UNPROTECTED_PORT, UNPROTECTED_PORT } from '../../lambdas/detectors/port-probe';
import { only, runCase, runDetectors } from './harness';

const SCANNERS = [{ name: 'scanner-feed', category: 'scanner', kind: 'threat' as const, entries: ['192.0.2.0/28', '203.0.113.200'] }];
const inventory = () => InventoryFile.parse(readFileSync(join(__dirname, '../fixtures/inventory/describe-instances.json'), 'utf8'));

describe('port-probe detector', () => {
  it('raises a Low TARGET finding whose PORT_PROBE action lists each probed port and probing address', async () => {
    const events = [
      flow({ srcAddr: '192.0.2.5', dstAddr: '10.0.1.15', dstPort: 3389 }),
      flow({ srcAddr: '203.0.113.200', dstAddr: '10.0.1.15', dstPort: 5432, time: CASE_EPOCH + 60_000 }),
    ];
    const finding = only(await runCase(portProbe, { events, intel: SCANNERS }), UNPROTECTED_PORT);
    expect(finding).toMatchObject({
      severity: 2,
      service: {
        resourceRole: 'TARGET',
        count: 2,
        additionalInfo: { threatListName: 'scanner-feed', threatName: 'Scanner' },
        evidence: { threatIntelligenceDetails: [{ threatListName: 'scanner-feed', threatNames: ['Scanner'] }] },
        action: {
          actionType: 'PORT_PROBE',
          portProbeAction: {
            blocked: false,
            portProbeDetails: [
              { localPortDetails: { port: 3389, portName: 'RDP' }, localIpDetails: { ipAddressV4: '10.0.1.15' }, remoteIpDetails: { ipAddressV4: '192.0.2.5' } },
              { localPortDetails: { port: 5432, portName: 'POSTGRESQL' }, localIpDetails: { ipAddressV4: '10.0.1.15' }, remoteIpDetails: { ipAddressV4: '203.0.113.200' } },
            ],
          },
        },
      },
    });
  });

  it('is High when Elasticsearch ports are open', async () => {
    const finding = only(await runCase(portProbe, { events: [flow({ srcAddr: '192.0.2.5', dstPort: 9300 })], intel: SCANNERS }), UNPROTECTED_PORT);
    expect(finding.severity).toBe(8);
  });

  it('never reports ports 80 and 443, nor probes the security group rejected', async () => {
    const events = [80, 443].map((dstPort) => flow({ srcAddr: '192.0.2.5', dstPort })).concat(flow({ srcAddr: '192.0.2.5', dstPort: 22, action: 'REJECT' }));
    expect(await runCase(portProbe, { events, intel: SCANNERS })).toEqual([]);
  });

  it('raises the EMR variant (High) for YARN on an EMR cluster instance known from the inventory', async () => {
    const probe = flow({ srcAddr: '192.0.2.5', dstAddr: '10.0.5.50', dstPort: 8088, interfaceId: 'eni-000000000000001e1' });
    const finding = only(await runDetectors([portProbe], [[probe]], { intel: SCANNERS, interfaces: inventory() }), EMR_UNPROTECTED_PORT);
    expect(finding).toMatchObject({ severity: 8, resource: { instanceDetails: { instanceId: 'i-000000000000000e1' } }, service: { resourceRole: 'TARGET' } });
    // Without the inventory nothing says it is an EMR instance.
    expect((await runCase(portProbe, { events: [probe], intel: SCANNERS })).map((f) => [f.type, f.severity])).toEqual([[UNPROTECTED_PORT, 2]]);
  });

  it('counts the answer record of a probe as the same probe, and ignores unlisted clients', async () => {
    const request = flow({ srcAddr: '192.0.2.5', srcPort: 51_544, dstAddr: '10.0.1.15', dstPort: 3389 });
    const answer = flow({ srcAddr: '10.0.1.15', srcPort: 3389, dstAddr: '192.0.2.5', dstPort: 51_544 });
    const finding = only(await runCase(portProbe, { events: [request, answer, flow({ srcAddr: '192.0.2.99', dstPort: 3389 })], intel: SCANNERS }), UNPROTECTED_PORT);
    expect(finding.service.action.portProbeAction?.portProbeDetails).toHaveLength(1);
    expect(await runCase(portProbe, { events: [flow({ srcAddr: '192.0.2.99', dstPort: 3389 })], intel: SCANNERS })).toEqual([]);
  });
});
