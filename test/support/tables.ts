/**
 * Creates the DynamoDB tables the stack defines (key design agreed with lib/): a findings table keyed by
 * `id` with three GSIs, and a state table keyed by `pk` (TTL attribute `ttl`) that also holds the input
 * ledger and the publishing outbox.
 */
import { PENDING_FINDINGS_INDEX } from '../../lambdas/shared/constants';
import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';

export interface TableNames {
  readonly findings: string;
  readonly state: string;
}

let counter = 0;

/** Fresh table names, so tests sharing one emulator never see each other's items. */
export function uniqueTableNames(prefix = 'vigil'): TableNames {
  counter++;
  const suffix = `${process.pid}-${counter}`;
  return { findings: `${prefix}-findings-${suffix}`, state: `${prefix}-state-${suffix}` };
}

export async function createFindingsTable(client: DynamoDBClient, name: string): Promise<void> {
  const all = { ProjectionType: 'ALL' as const };
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'gsiPk', AttributeType: 'S' },
        { AttributeName: 'severity', AttributeType: 'N' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
        { AttributeName: 'type', AttributeType: 'S' },
        { AttributeName: 'publishState', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        { IndexName: 'bySeverity', KeySchema: [{ AttributeName: 'gsiPk', KeyType: 'HASH' }, { AttributeName: 'severity', KeyType: 'RANGE' }], Projection: all },
        { IndexName: 'byUpdatedAt', KeySchema: [{ AttributeName: 'gsiPk', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }], Projection: all },
        { IndexName: 'byType', KeySchema: [{ AttributeName: 'type', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }], Projection: all },
        {
          IndexName: PENDING_FINDINGS_INDEX,
          KeySchema: [{ AttributeName: 'publishState', KeyType: 'HASH' }, { AttributeName: 'updatedAt', KeyType: 'RANGE' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['pendingSince', 'revision'] },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

/** dynalite has no UpdateTimeToLive: the `ttl` attribute is written but never enforced here. */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

export async function createTables(client: DynamoDBClient, names: TableNames = uniqueTableNames()): Promise<TableNames> {
  await Promise.all([createFindingsTable(client, names.findings), createStateTable(client, names.state)]);
  return names;
}
