import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoFindingRepository, FINDING_GSI_PK } from '../../lambdas/adapters/dynamodb-findings';
import { ConcurrentUpdateError } from '../../lambdas/adapters/errors';
import { useDynalite } from '../support/dynamo';
import { FINDING_T0, sshObservation, storedFinding, updatedFinding } from '../support/findings';

const dynamo = useDynalite();
let now = Date.UTC(2026, 5, 1);

async function repository() {
  const { doc, tables } = await dynamo.fresh();
  const findings = new DynamoFindingRepository({ client: doc, tableName: tables.findings, clock: () => now });
  return { findings, doc, table: tables.findings };
}

describe('DynamoFindingRepository', () => {
  it('stores the GuardDuty finding with the attributes the table indexes use', async () => {
    const { findings, doc, table } = await repository();
    const stored = storedFinding();
    await findings.getMany([stored.finding.id]);
    await findings.putMany([stored], 'batch-1');

    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { id: stored.finding.id } }));
    expect(Item).toMatchObject({
      id: stored.finding.id,
      gsiPk: FINDING_GSI_PK,
      severity: 2,
      updatedAt: stored.finding.updatedAt,
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      finding: stored.finding,
      publishState: 'NEW',
      revision: 1,
    });
    const byUpdatedAt = await doc.send(
      new QueryCommand({ TableName: table, IndexName: 'byUpdatedAt', KeyConditionExpression: 'gsiPk = :p', ExpressionAttributeValues: { ':p': FINDING_GSI_PK } }),
    );
    expect(byUpdatedAt.Items?.map((i) => i.id)).toEqual([stored.finding.id]);
    expect((await findings.getMany([stored.finding.id])).get(stored.finding.id)).toEqual(stored);
  });

  it('keeps a finding NEW until it is published, then marks later updates PENDING', async () => {
    const { findings } = await repository();
    const first = storedFinding();
    const id = first.finding.id;
    await findings.getMany([id]);
    await findings.putMany([first], 'b1');
    const second = updatedFinding(first);
    await findings.getMany([id]);
    await findings.putMany([second], 'b2');
    expect((await findings.getRecords([id])).get(id)).toMatchObject({ publishState: 'NEW', revision: 2, pendingSince: now });

    expect(await findings.markPublished(id, 2)).toBe(true);
    expect(await findings.listPending()).toEqual([]);

    now += 60_000;
    await findings.getMany([id]);
    await findings.putMany([updatedFinding(second, sshObservation({ at: FINDING_T0 + 1_200_000 }))], 'b3');
    expect(await findings.listPending()).toEqual([{ id, publishState: 'PENDING', pendingSince: now, revision: 3 }]);
  });

  it('never marks a finding archived by a suppression rule for publishing', async () => {
    const { findings } = await repository();
    const stored = storedFinding();
    const suppressed = { ...stored, archiveReason: { by: 'suppression-rule' as const, rule: 'bastion-ssh' }, finding: { ...stored.finding, service: { ...stored.finding.service, archived: true } } };
    await findings.getMany([stored.finding.id]);
    await findings.putMany([suppressed], 'b1');
    expect(await findings.listPending()).toEqual([]);
    expect((await findings.getMany([stored.finding.id])).get(stored.finding.id)?.archiveReason).toEqual({ by: 'suppression-rule', rule: 'bastion-ssh' });
  });

  it('leaves a finding alone when a redelivered batch writes it again', async () => {
    const { findings } = await repository();
    const first = storedFinding();
    const id = first.finding.id;
    await findings.getMany([id]);
    await findings.putMany([first], 'b1');
    // The redelivered batch reads the finding it already wrote and adds its occurrences a second time.
    const before = (await findings.getMany([id])).get(id)!;
    await findings.putMany([updatedFinding(before, sshObservation({ count: 25 }))], 'b1');
    const after = (await findings.getRecords([id])).get(id)!;
    expect(after.stored.finding.service.count).toBe(25);
    expect(after.revision).toBe(1);
  });

  it('refuses to overwrite a finding another Lambda updated since it was read', async () => {
    const { doc, tables } = await dynamo.fresh();
    const a = new DynamoFindingRepository({ client: doc, tableName: tables.findings });
    const b = new DynamoFindingRepository({ client: doc, tableName: tables.findings });
    const first = storedFinding();
    const id = first.finding.id;
    await a.getMany([id]);
    await a.putMany([first], 'b1');

    const readByA = (await a.getMany([id])).get(id)!;
    const readByB = (await b.getMany([id])).get(id)!;
    await b.putMany([updatedFinding(readByB)], 'from-b');
    await expect(a.putMany([updatedFinding(readByA)], 'from-a')).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await a.getRecords([id])).get(id)?.stored.finding.service.count).toBe(50);
  });

  it('does not mark a finding published when it changed after the published revision', async () => {
    const { findings } = await repository();
    const first = storedFinding();
    const id = first.finding.id;
    await findings.getMany([id]);
    await findings.putMany([first], 'b1');
    await findings.getMany([id]);
    await findings.putMany([updatedFinding(first)], 'b2');
    expect(await findings.markPublished(id, 1)).toBe(false);
    expect((await findings.listPending()).map((p) => p.revision)).toEqual([2]);
  });

  it('lists pending findings across scan pages', async () => {
    const { doc, tables } = await dynamo.fresh();
    const findings = new DynamoFindingRepository({ client: doc, tableName: tables.findings, pageSize: 7 });
    const send = jest.spyOn(doc, 'send');
    const many = Array.from({ length: 30 }, (_, i) => storedFinding(sshObservation({ instanceId: `i-${String(i).padStart(17, '0')}` })));
    await findings.getMany(many.map((f) => f.finding.id));
    await findings.putMany(many, 'b1');
    const pending = await findings.listPending();
    expect(new Set(pending.map((p) => p.id))).toEqual(new Set(many.map((f) => f.finding.id)));
    expect(pending.every((p) => p.publishState === 'NEW')).toBe(true);
    expect(send.mock.calls.filter(([c]) => c.constructor.name === 'ScanCommand').length).toBeGreaterThan(4);
  });
});
