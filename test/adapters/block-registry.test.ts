import { DynamoBlockRegistry } from '../../lambdas/adapters/block-registry';
import { MemoryBlockRegistry } from '../../lambdas/adapters/block-registry-memory';
import { LocalBlockRegistry } from '../../lambdas/adapters/local-block-registry';
import type { BlockRecord } from '../../lambdas/response/block';
import type { BlockRegistry } from '../../lambdas/response/ports';
import { wafRecord } from '../support/response-findings';
import { startBlockRegistryTable, type BlockRegistryTable } from '../support/response-dynalite';

const T = 1_800_000_000_000;
const nacl = (address: string, createdAt: number, expiresAt: number, extra: Partial<BlockRecord> = {}): BlockRecord => ({
  ...wafRecord(address, createdAt, expiresAt),
  target: 'nacl:acl-0c0ffee:ingress',
  placement: { kind: 'nacl', naclId: 'acl-0c0ffee', direction: 'ingress', ruleNumber: 3 },
  ...extra,
});

let table: BlockRegistryTable;
beforeAll(async () => {
  table = await startBlockRegistryTable();
});
afterAll(async () => {
  await table?.close();
});

const registries: [string, () => BlockRegistry & { close?: () => void }][] = [
  ['DynamoDB', () => new DynamoBlockRegistry({ client: table.documentClient, tableName: table.tableName })],
  ['SQLite', () => LocalBlockRegistry.open(':memory:')],
  ['memory', () => new MemoryBlockRegistry()],
];

describe.each(registries)('%s block registry', (_name, make) => {
  let registry: BlockRegistry & { close?: () => void };
  beforeEach(async () => {
    registry = make();
    // The DynamoDB table is shared by the tests: start each from an empty table.
    const all = await registry.list();
    if (all.length > 0 && registry instanceof DynamoBlockRegistry) {
      const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
      for (let i = 0; i < all.length; i += 25) {
        await table.documentClient.send(
          new BatchWriteCommand({ RequestItems: { [table.tableName]: all.slice(i, i + 25).map((r) => ({ DeleteRequest: { Key: { address: r.address, target: r.target } } })) } }),
        );
      }
    }
  });
  afterEach(() => registry?.close?.());

  it('reads back exactly what it wrote, nested placement included', async () => {
    const record = nacl('45.1.1.1/32', T, T + 1000, { endReason: undefined });
    await registry.put([record]);
    const got = await registry.getMany([{ address: '45.1.1.1/32', target: 'nacl:acl-0c0ffee:ingress' }, { address: '45.9.9.9/32', target: 'nacl:acl-0c0ffee:ingress' }]);
    expect([...got.values()]).toEqual([{ ...record, endReason: undefined }].map((r) => JSON.parse(JSON.stringify(r))));
  });

  it("lists a target's live blocks oldest first, leaving ended ones out", async () => {
    await registry.put([
      wafRecord('45.1.1.3/32', T + 3, T + 100),
      wafRecord('45.1.1.1/32', T + 1, T + 100),
      wafRecord('45.1.1.2/32', T + 2, T + 100, { status: 'expired', endedAt: T + 50 }),
      nacl('45.1.1.0/32', T, T + 100),
    ]);
    const live = await registry.listLive(wafRecord('x', 0, 0).target);
    expect(live.map((r) => r.address)).toEqual(['45.1.1.1/32', '45.1.1.3/32']);
  });

  it('lists due blocks soonest first, up to the limit, and none that are not due', async () => {
    await registry.put([wafRecord('45.1.1.1/32', T, T + 30), wafRecord('45.1.1.2/32', T, T + 10), wafRecord('45.1.1.3/32', T, T + 20), wafRecord('45.1.1.4/32', T, T + 99)]);
    expect((await registry.listDue(T + 30, 2)).map((r) => r.address)).toEqual(['45.1.1.2/32', '45.1.1.3/32']);
    expect((await registry.listDue(T + 30, 10)).map((r) => r.address)).toEqual(['45.1.1.2/32', '45.1.1.3/32', '45.1.1.1/32']);
  });

  it('drops a block from the live and due lists once it ends', async () => {
    const record = wafRecord('45.1.1.1/32', T, T + 10);
    await registry.put([record]);
    await registry.put([{ ...record, status: 'unblocked', endedAt: T + 5 }]);
    expect(await registry.listLive(record.target)).toEqual([]);
    expect(await registry.listDue(T + 100, 10)).toEqual([]);
    expect((await registry.listByAddress('45.1.1.1/32'))[0]!.status).toBe('unblocked');
  });

  it('lists every target of one address, and filters the listing by status', async () => {
    await registry.put([wafRecord('45.1.1.1/32', T, T + 10), nacl('45.1.1.1/32', T + 1, T + 10, { status: 'simulated', mode: 'dry-run' }), wafRecord('45.1.1.2/32', T + 2, T + 10)]);
    expect((await registry.listByAddress('45.1.1.1/32')).map((r) => r.target).sort()).toEqual(['nacl:acl-0c0ffee:ingress', wafRecord('x', 0, 0).target]);
    expect((await registry.list({ statuses: ['simulated'] })).map((r) => r.address)).toEqual(['45.1.1.1/32']);
    expect((await registry.list({ limit: 2 })).map((r) => r.createdAt)).toEqual([T + 2, T + 1]);
  });
});
