/**
 * A dynalite server for one test file, with document clients and fresh tables per test.
 *
 * @example
 * const dynamo = useDynalite();
 * it('…', async () => { const { doc, tables } = await dynamo.fresh(); … });
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynalite, type Emulator } from './emulators';
import { createTables, type TableNames } from './tables';

export interface DynamoFixture {
  readonly raw: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: TableNames;
}

/** Document client options the adapters expect of their callers. */
export function documentClient(raw: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
}

/** Registers beforeAll/afterAll hooks that run one dynalite for the calling test file. */
export function useDynalite(): { fresh(): Promise<DynamoFixture>; endpoint(): string } {
  let emulator: Emulator<DynamoDBClient> | undefined;
  const clients: DynamoDBClient[] = [];
  beforeAll(async () => {
    emulator = await startDynalite();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await emulator?.close();
  });
  return {
    endpoint: () => emulator!.endpoint,
    async fresh() {
      const raw = emulator!.client();
      clients.push(raw);
      const tables = await createTables(raw);
      return { raw, doc: documentClient(raw), tables };
    },
  };
}
