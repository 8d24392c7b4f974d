import { Ec2InstanceEnricher } from '../../lambdas/adapters/ec2-instance-enricher';
import type { InstanceDetails } from '../../lambdas/adapters/ec2-instances';
import { InstanceLookupError } from '../../lambdas/adapters/errors';
import type { Finding } from '../../lambdas/engine/finding';
import { SCOPE, sshObservation, storedFinding } from '../support/findings';

const DETAILS: InstanceDetails = { instanceId: 'i-0abc1234def567890', instanceType: 't3.micro', tags: [{ key: 'Name', value: 'bastion' }] };

function directory(found: Map<string, InstanceDetails | null>, calls: string[] = []) {
  return {
    byInstance: async (ids: readonly string[]) => (calls.push(`instance:${ids.join()}`), new Map(ids.map((id) => [id, found.get(id) ?? null]))),
    byNetworkInterface: async (ids: readonly string[]) => (calls.push(`eni:${ids.join()}`), new Map(ids.map((id) => [id, found.get(id) ?? null]))),
  };
}

describe('Ec2InstanceEnricher', () => {
  it('adds what EC2 knows about the instance and keeps what the detector saw', async () => {
    const finding = storedFinding().finding;
    const enriched = await new Ec2InstanceEnricher({ directory: directory(new Map([['i-0abc1234def567890', DETAILS]])) }).enrich(finding);
    expect(enriched.resource.instanceDetails).toEqual({
      ...finding.resource.instanceDetails,
      instanceType: 't3.micro',
      tags: [{ key: 'Name', value: 'bastion' }],
    });
    expect(enriched.id).toBe(finding.id);
    expect(enriched.service.count).toBe(finding.service.count);
  });

  it('looks the instance up by network interface when the flow log named no instance', async () => {
    const calls: string[] = [];
    const base = storedFinding().finding;
    const finding: Finding = { ...base, resource: { resourceType: 'Instance', instanceDetails: { networkInterfaces: [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718' }] } } };
    const enriched = await new Ec2InstanceEnricher({ directory: directory(new Map([['eni-0a1b2c3d4e5f60718', DETAILS]]), calls) }).enrich(finding);
    expect(calls).toEqual(['eni:eni-0a1b2c3d4e5f60718']);
    expect(enriched.resource.instanceDetails?.instanceId).toBe('i-0abc1234def567890');
  });

  it('leaves findings about access keys and about other accounts alone', async () => {
    const calls: string[] = [];
    const enricher = new Ec2InstanceEnricher({ directory: directory(new Map(), calls), accountId: '999999999999' });
    const finding = storedFinding(sshObservation()).finding;
    expect(finding.accountId).toBe(SCOPE.accountId);
    expect(await enricher.enrich(finding)).toBe(finding);
    const keyFinding: Finding = { ...finding, accountId: '999999999999', resource: { resourceType: 'AccessKey', accessKeyDetails: { userName: 'root' } } };
    expect(await enricher.enrich(keyFinding)).toBe(keyFinding);
    expect(calls).toEqual([]);
  });

  it('keeps the finding as it was, reports the failure, and stops asking EC2 for a while', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let now = 0;
    const failing = {
      byInstance: async () => {
        calls++;
        throw new InstanceLookupError('DescribeInstances failed');
      },
      byNetworkInterface: async () => new Map(),
    };
    const finding = storedFinding().finding;
    const enricher = new Ec2InstanceEnricher({ directory: failing, onError: (e) => errors.push(e), pauseAfterErrorMs: 60_000, clock: () => now });
    expect(await enricher.enrich(finding)).toBe(finding);
    expect(await enricher.enrich(finding)).toBe(finding);
    expect(errors).toEqual([expect.any(InstanceLookupError)]);
    expect(calls).toBe(1);
    now += 60_000;
    await enricher.enrich(finding);
    expect(calls).toBe(2);
  });
});
