/**
 * With an inventory, traffic between two instances of a VPC is oriented on both interfaces: the attacker's
 * records give the ACTOR finding, the victim's the TARGET finding, and both name instances, not interfaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryFile } from '../../lambdas/adapters/inventory-file';
import bruteForce from '../../lambdas/detectors/brute-force';
import { CASE_EPOCH, flow } from '../../lambdas/detectors/common/fixtures';
import { connectionOf, recordDirection } from '../../lambdas/detectors/common/network';
import { DETECTORS } from '../../lambdas/detectors';
import type { FlowEvent } from '../../lambdas/engine/events';
import { only, runDetectors } from './harness';

const inventory = () => InventoryFile.parse(readFileSync(join(__dirname, '../fixtures/inventory/describe-instances.json'), 'utf8'));
const APP = { ip: '10.0.2.20', eni: 'eni-000000000000001b1', id: 'i-000000000000000b1' };
const WEB = { ip: '10.0.1.10', eni: 'eni-000000000000001a1', id: 'i-000000000000000a1' };

/** `attempts` SSH connections from app to web, as both interfaces log them (v2: no direction, no instance id). */
function internalBruteForce(attempts: number): FlowEvent[] {
  return Array.from({ length: attempts }, (_, i) => {
    const common = { srcAddr: APP.ip, dstAddr: WEB.ip, srcPort: 40_000 + i, dstPort: 22, time: CASE_EPOCH + i * 5_000, packets: 12, bytes: 2_000 };
    return [flow({ ...common, interfaceId: APP.eni }), flow({ ...common, interfaceId: WEB.eni })];
  }).flat();
}

describe('inventory orientation of traffic inside a VPC', () => {
  it('orients a private-to-private v2 record by the interface that holds the address', () => {
    const directory = inventory();
    const record = flow({ srcAddr: APP.ip, dstAddr: WEB.ip, srcPort: 40_000, dstPort: 22, interfaceId: WEB.eni });
    expect(recordDirection(record)).toBeUndefined();
    expect(recordDirection(record, directory)).toBe('ingress');
    expect(connectionOf({ ...record, interfaceId: APP.eni }, directory)).toMatchObject({ direction: 'OUTBOUND', localAddr: APP.ip, remoteAddr: WEB.ip, remotePort: 22 });
    // A secondary private address counts as the interface's too.
    expect(recordDirection({ ...record, dstAddr: '10.0.1.12' }, directory)).toBe('ingress');
  });

  it('raises SSH brute force as ACTOR on the attacking instance and TARGET on the victim', async () => {
    const findings = await runDetectors([bruteForce], [internalBruteForce(25)], { interfaces: inventory() });
    const actor = only(findings, 'UnauthorizedAccess:EC2/SSHBruteForce', 'ACTOR');
    const target = only(findings, 'UnauthorizedAccess:EC2/SSHBruteForce', 'TARGET');
    expect(actor).toMatchObject({ severity: 8, resource: { instanceDetails: { instanceId: APP.id } }, service: { action: { networkConnectionAction: { connectionDirection: 'OUTBOUND', remoteIpDetails: { ipAddressV4: WEB.ip } } } } });
    expect(target).toMatchObject({ severity: 2, resource: { instanceDetails: { instanceId: WEB.id } }, service: { action: { networkConnectionAction: { connectionDirection: 'INBOUND', remoteIpDetails: { ipAddressV4: APP.ip } } } } });
  });

  it('stays quiet without an inventory, and when internal detection is switched off', async () => {
    expect(await runDetectors([bruteForce], [internalBruteForce(25)])).toEqual([]);
    expect(await runDetectors([bruteForce], [internalBruteForce(25)], { interfaces: inventory(), settings: { 'brute-force': { internal: false } } })).toEqual([]);
  });

  it('fills instanceDetails from the inventory when it is also an enricher', async () => {
    const directory = inventory();
    const findings = await runDetectors(DETECTORS, [internalBruteForce(25)], { interfaces: directory, enrichers: [directory] });
    const target = only(findings, 'UnauthorizedAccess:EC2/SSHBruteForce', 'TARGET');
    expect(target.resource.instanceDetails).toMatchObject({
      instanceId: WEB.id,
      instanceType: 't3.small',
      imageId: 'ami-0abcdef1234567890',
      tags: [{ key: 'Name', value: 'web-1' }, { key: 'team', value: 'storefront' }],
      networkInterfaces: [{ networkInterfaceId: WEB.eni, privateIpAddress: WEB.ip, publicIp: '54.210.1.10', securityGroups: [{ groupId: 'sg-0web', groupName: 'web' }] }],
    });
    expect(target.service.count).toBe(25);
  });
});
