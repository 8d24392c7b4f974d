/**
 * dynalite in-process on a random loopback port, with the block registry table created from the same
 * schema constants the adapter and the CDK construct use.
 *
 * @example
 * const db = await startBlockRegistryTable();
 * const registry = new DynamoBlockRegistry({ client: db.documentClient, tableName: db.tableName });
 * await db.close();
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { BLOCK_REGISTRY_SCHEMA as S } from '../../lambdas/adapters/block-registry';

export interface BlockRegistryTable {
  readonly endpoint: string;
  readonly tableName: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export async function startBlockRegistryTable(tableName = 'vigil-blocks'): Promise<BlockRegistryTable> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    maxAttempts: 2,
    credentials: { accessKeyId: 'AKIAVIGILRESPONSE000', secretAccessKey: 'vigil-response-test' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: S.partitionKey, AttributeType: 'S' },
        { AttributeName: S.sortKey, AttributeType: 'S' },
        { AttributeName: S.liveByTarget.partitionKey, AttributeType: 'S' },
        { AttributeName: S.liveByTarget.sortKey, AttributeType: 'N' },
        { AttributeName: S.liveByExpiry.partitionKey, AttributeType: 'S' },
        { AttributeName: S.liveByExpiry.sortKey, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: S.partitionKey, KeyType: 'HASH' },
        { AttributeName: S.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [S.liveByTarget, S.liveByExpiry].map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: tableName });
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    endpoint,
    tableName,
    client,
    documentClient,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
