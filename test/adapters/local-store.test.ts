import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../lambdas/adapters/local-store';
import { newFinding } from '../../lambdas/engine/aggregation';
import type { Observation } from '../../lambdas/engine/detector';

const scope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws' };

function observation(over: Partial<Observation> = {}): Observation {
  return {
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    resourceRole: 'TARGET',
    resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0abc', networkInterfaces: [{ networkInterfaceId: 'eni-0abc' }] } },
    resourceKey: 'i-0abc',
    action: { actionType: 'NETWORK_CONNECTION' },
    title: 't',
    description: 'd',
    firstSeen: 0,
    lastSeen: 1000,
    count: 1,
    ...over,
  };
}

describe('LocalStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps findings, state and applied tokens across reopening the file', async () => {
    const path = join(dir, 'nested', 'vigil.db');
    const store = LocalStore.open(path);
    expect(await store.begin('t1')).toBe(true);
    await store.merge([{ key: 'k', expiresAt: 10, counters: { n: 2 }, sets: { s: ['a'] } }]);
    await store.putMany([newFinding(observation(), scope)]);
    await store.commit('t1');
    store.close();

    const reopened = LocalStore.open(path);
    expect(await reopened.begin('t1')).toBe(false);
    expect((await reopened.get(['k'])).get('k')).toMatchObject({ counters: { n: 2 }, sets: { s: ['a'] } });
    expect(reopened.listFindings()).toHaveLength(1);
    reopened.close();
  });

  it('rolls back everything of an aborted batch', async () => {
    const store = LocalStore.open(':memory:');
    await store.begin('t1');
    await store.merge([{ key: 'k', expiresAt: 10, counters: { n: 1 } }]);
    await store.putMany([newFinding(observation(), scope)]);
    await store.abort('t1');
    expect(await store.begin('t1')).toBe(true);
    expect((await store.get(['k'])).size).toBe(0);
    expect(await store.getMany([newFinding(observation(), scope).finding.id])).toEqual(new Map());
    await store.abort('t1');
    store.close();
  });

  it('merges deltas onto stored values and expires by event time', async () => {
    const store = LocalStore.open(':memory:');
    await store.begin('a');
    await store.merge([{ key: 'k', expiresAt: 100, counters: { n: 1 }, min: { first: 5 }, max: { last: 5 } }]);
    await store.commit('a');
    await store.begin('b');
    const merged = await store.merge([{ key: 'k', expiresAt: 200, counters: { n: 2 }, min: { first: 3 }, max: { last: 9 } }]);
    await store.commit('b');
    expect(merged.get('k')).toEqual({ expiresAt: 200, counters: { n: 3 }, sets: {}, min: { first: 3 }, max: { last: 9 } });
    expect(await store.expire(150)).toBe(0);
    expect(await store.expire(201)).toBe(1);
    expect(store.stateSize()).toBe(0);
    store.close();
  });

  it('lists findings by type, minimum severity and resource, and archives by id prefix', async () => {
    const store = LocalStore.open(':memory:');
    await store.begin('t');
    await store.putMany([
      newFinding(observation(), scope),
      newFinding(observation({ type: 'UnauthorizedAccess:EC2/SSHBruteForce', resourceRole: 'ACTOR', severity: 8, resourceKey: 'i-0def', resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0def' } } }), scope),
      newFinding(observation({ type: 'Policy:IAMUser/RootCredentialUsage', resourceKey: 'root', resource: { resourceType: 'AccessKey', accessKeyDetails: { userName: 'Root', principalId: '111122223333' } } }), scope),
    ]);
    await store.commit('t');

    expect(store.listFindings().map((f) => f.severity)).toEqual([8, 2, 2]);
    expect(store.listFindings({ minSeverity: 7 })).toHaveLength(1);
    expect(store.listFindings({ type: 'UnauthorizedAccess:EC2/*' })).toHaveLength(2);
    expect(store.listFindings({ type: 'Policy:IAMUser/RootCredentialUsage' })).toHaveLength(1);
    expect(store.listFindings({ resource: 'eni-0abc' })).toHaveLength(1);
    expect(store.listFindings({ resource: 'Root' })).toHaveLength(1);
    expect(store.listFindings({ resource: 'i-0a' })).toHaveLength(0);

    const target = store.listFindings({ resource: 'i-0abc' })[0]!;
    expect(store.setArchived([target.id.slice(0, 8), 'nope'], true)).toEqual([target.id]);
    expect(store.listFindings()).toHaveLength(2);
    expect(store.listFindings({ includeArchived: true })).toHaveLength(3);
    expect(store.findFinding(target.id)).toMatchObject({ archiveReason: { by: 'user' }, finding: { service: { archived: true } } });
    store.setArchived([target.id], false);
    expect(store.findFinding(target.id)!.archiveReason).toBeUndefined();
    store.close();
  });
});
