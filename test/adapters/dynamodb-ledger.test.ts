import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoInputLedger, ledgerKey } from '../../lambdas/adapters/dynamodb-ledger';
import { useDynalite } from '../support/dynamo';

const dynamo = useDynalite();
const NOW = Date.UTC(2026, 5, 1);

describe('DynamoInputLedger', () => {
  it('lets a token begin until it is committed, and never after', async () => {
    const { doc, tables } = await dynamo.fresh();
    const ledger = new DynamoInputLedger({ client: doc, tableName: tables.state, clock: () => NOW });
    const token = 's3://logs/AWSLogs/111122223333/CloudTrail/us-east-1/2025/01/01/f.json.gz#abc#0';
    expect(await ledger.begin(token)).toBe(true);
    await ledger.abort(token);
    expect(await ledger.begin(token)).toBe(true);
    await ledger.commit(token);
    expect(await ledger.begin(token)).toBe(false);
    expect(await ledger.begin(`${token.slice(0, -1)}1`)).toBe(true);
  });

  it('records the token with a TTL in epoch seconds that outlasts redelivery', async () => {
    const { doc, tables } = await dynamo.fresh();
    const ledger = new DynamoInputLedger({ client: doc, tableName: tables.state, clock: () => NOW, retentionMs: 7 * 86_400_000 });
    await ledger.commit('kinesis:shardId-000000000000#4959#0');
    const { Item } = await doc.send(new GetCommand({ TableName: tables.state, Key: { pk: ledgerKey('kinesis:shardId-000000000000#4959#0') } }));
    expect(Item).toEqual({
      pk: expect.stringMatching(/^ledger#[0-9a-f]{64}$/),
      token: 'kinesis:shardId-000000000000#4959#0',
      appliedAt: new Date(NOW).toISOString(),
      ttl: (NOW + 7 * 86_400_000) / 1000,
    });
  });
});
