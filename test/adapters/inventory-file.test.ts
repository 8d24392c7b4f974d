import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryError, InventoryFile } from '../../lambdas/adapters/inventory-file';
import type { Finding } from '../../lambdas/engine/finding';

const FIXTURE = join(__dirname, '../fixtures/inventory/describe-instances.json');

function findingOn(instanceId: string, networkInterfaceId?: string): Finding {
  return {
    schemaVersion: '2.0',
    accountId: '111122223333',
    region: 'us-east-1',
    partition: 'aws',
    id: 'f'.repeat(32),
    arn: 'arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f',
    type: 'Recon:EC2/Portscan',
    severity: 5,
    title: 't',
    description: 'd',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    resource: { resourceType: 'Instance', instanceDetails: { instanceId, networkInterfaces: [networkInterfaceId ? { networkInterfaceId } : {}] } },
    service: { serviceName: 'guardduty', detectorId: 'd', resourceRole: 'ACTOR', archived: false, count: 3, eventFirstSeen: 'x', eventLastSeen: 'y', action: { actionType: 'NETWORK_CONNECTION' } },
  };
}

describe('InventoryFile', () => {
  it('indexes interfaces with every address and the instance they belong to', async () => {
    const inventory = await InventoryFile.load(FIXTURE);
    expect(inventory.size).toBe(5);
    const web = inventory.byInterface('eni-000000000000001a1')!;
    expect(web.instanceId).toBe('i-000000000000000a1');
    expect([...web.addresses].sort()).toEqual(['10.0.1.10', '10.0.1.12', '2600:1f18:1:1::10', '54.210.1.10']);
    expect(inventory.byInterface('eni-000000000000002e1')).toMatchObject({ instanceId: 'i-000000000000000e1', emrClusterId: 'j-2AXXXXXXGAPLF' });
    expect(inventory.byAddress('10.0.6.50')?.interfaceId).toBe('eni-000000000000002e1');
  });

  it('answers nothing for an address two VPCs share', () => {
    const inventory = InventoryFile.parse(readFileSync(FIXTURE, 'utf8'));
    expect(inventory.byAddress('10.9.0.5')).toBeUndefined();
    expect(inventory.byInterface('eni-0000000000000dup1')?.instanceId).toBe('i-0000000000000dup1');
  });

  it('replaces an interface-only resource with the instance description, keeping id, type and count', () => {
    const inventory = InventoryFile.parse(readFileSync(FIXTURE, 'utf8'));
    const byInterface = inventory.enrich(findingOn('eni-000000000000001b1', 'eni-000000000000001b1'));
    expect(byInterface.resource.instanceDetails).toMatchObject({ instanceId: 'i-000000000000000b1', instanceType: 'm6i.large', launchTime: '2024-11-20T10:00:00.000Z', tags: [{ key: 'Name', value: 'app-1' }] });
    expect(byInterface).toMatchObject({ id: 'f'.repeat(32), type: 'Recon:EC2/Portscan', service: { count: 3 } });
    expect(inventory.enrich(findingOn('i-000000000000000e1')).resource.instanceDetails?.networkInterfaces).toHaveLength(2);
    const unknown = findingOn('eni-0unknown');
    expect(inventory.enrich(unknown)).toBe(unknown);
  });

  it('accepts several documents, as an array or one per line', () => {
    const one = JSON.stringify(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const other = JSON.stringify({ Reservations: [{ Instances: [{ InstanceId: 'i-0eu', NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0eu', PrivateIpAddress: '172.31.0.9' }] }] }] });
    expect(InventoryFile.parse(`[${one},${other}]`).size).toBe(6);
    expect(InventoryFile.parse(`${one}\n${other}\n`).byAddress('172.31.0.9')?.instanceId).toBe('i-0eu');
  });

  it('fails with a typed error for a missing file or something that is not describe-instances output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-inventory-'));
    await expect(InventoryFile.load(join(dir, 'missing.json'))).rejects.toThrow(InventoryError);
    writeFileSync(join(dir, 'wrong.json'), '{"Instances": []}');
    await expect(InventoryFile.load(join(dir, 'wrong.json'))).rejects.toThrow(/describe-instances/);
    expect(() => InventoryFile.parse('not json')).toThrow(InventoryError);
    expect(() => InventoryFile.parse('')).toThrow(/empty/);
  });
});
