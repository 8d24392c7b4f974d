import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MemoryStore } from '../../lambdas/adapters/memory';
import { DynamoStateStore, STATE_KEY_PREFIX } from '../../lambdas/adapters/dynamodb-state';
import { ConcurrentUpdateError } from '../../lambdas/adapters/errors';
import { SET_LIMIT, type StateDelta } from '../../lambdas/engine/state';
import { useDynalite } from '../support/dynamo';

const dynamo = useDynalite();
const T0 = Date.UTC(2025, 0, 1);
const NOW = Date.UTC(2026, 5, 1);
const noWait = { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 6, sleep: async () => {} };

async function store(options: Partial<ConstructorParameters<typeof DynamoStateStore>[0]> = {}) {
  const { doc, tables } = await dynamo.fresh();
  const state = new DynamoStateStore({ client: doc, tableName: tables.state, clock: () => NOW, backoff: noWait, ...options });
  return { state, doc, table: tables.state };
}

const delta = (key: string, parts: Omit<StateDelta, 'key' | 'expiresAt'> & { expiresAt?: number }): StateDelta => ({
  key,
  expiresAt: T0 + 600_000,
  ...parts,
});

describe('DynamoStateStore', () => {
  it('adds counters, unions sets and keeps min and max across batches like the in-memory store', async () => {
    const { state } = await store();
    const memory = new MemoryStore();
    const batches: StateDelta[][] = [
      [delta('ssh|eni-1', { counters: { flows: 3 }, sets: { ports: ['1', '2'] }, min: { first: 50 }, max: { last: 50 } })],
      [delta('ssh|eni-1', { counters: { flows: 2 }, sets: { ports: ['2', '3'] }, min: { first: 10 }, max: { last: 40 } }), delta('ssh|eni-2', { counters: { flows: 1 } })],
      [delta('ssh|eni-1', { counters: { flows: 1 }, min: { first: 30 }, max: { last: 90 }, expiresAt: T0 + 1_200_000 })],
    ];
    let dynamoTotals;
    let memoryTotals;
    for (const [i, batch] of batches.entries()) {
      dynamoTotals = await state.merge(batch, `t${i}`);
      await memory.begin(`t${i}`);
      memoryTotals = await memory.merge(batch);
      await memory.commit(`t${i}`);
    }
    expect(dynamoTotals!.get('ssh|eni-1')).toEqual(memoryTotals!.get('ssh|eni-1'));
    expect(dynamoTotals!.get('ssh|eni-1')).toEqual({
      expiresAt: T0 + 1_200_000,
      counters: { flows: 6 },
      sets: { ports: ['1', '2', '3'] },
      min: { first: 10 },
      max: { last: 90 },
    });
    expect(Object.fromEntries(await state.get(['ssh|eni-1', 'ssh|eni-2', 'absent']))).toEqual({
      'ssh|eni-1': dynamoTotals!.get('ssh|eni-1'),
      'ssh|eni-2': { expiresAt: T0 + 600_000, counters: { flows: 1 }, sets: {}, min: {}, max: {} },
    });
  });

  it('applies a redelivered batch token to no key twice', async () => {
    const { state } = await store();
    const batch = [delta('k1', { counters: { n: 5 }, sets: { ips: ['a'] } }), delta('k2', { counters: { n: 1 } })];
    await state.merge(batch, 'batch-1');
    const again = await state.merge(batch, 'batch-1');
    expect(again.get('k1')?.counters.n).toBe(5);
    expect(again.get('k2')?.counters.n).toBe(1);
    const after = await state.get(['k1']);
    expect(after.get('k1')?.counters.n).toBe(5);
  });

  it('finishes a batch that crashed half way without counting the keys it had already written', async () => {
    const { state } = await store();
    // The first attempt wrote k1 and died before k2 (as if the Lambda timed out between the two writes).
    await state.merge([delta('k1', { counters: { n: 2 } })], 'batch-7');
    const retried = await state.merge([delta('k1', { counters: { n: 2 } }), delta('k2', { counters: { n: 3 } })], 'batch-7');
    expect(retried.get('k1')?.counters.n).toBe(2);
    expect(retried.get('k2')?.counters.n).toBe(3);
  });

  it('writes each key once per batch: one UpdateItem for a live key, one PutItem for a new one', async () => {
    const { state, doc } = await store();
    await state.merge([delta('live', { counters: { n: 1 } })], 'first');
    const send = jest.spyOn(doc, 'send');
    await state.merge(
      [delta('live', { counters: { n: 1 }, sets: { s: ['x'] }, max: { m: 3 } }), delta('new', { counters: { n: 1 } }), delta('live', { counters: { n: 4 } })],
      'second',
    );
    const writes = send.mock.calls.map(([command]) => command).filter((c) => c instanceof UpdateCommand || c instanceof PutCommand);
    expect(writes.map((c) => [c.constructor.name, (c.input as { Key?: { pk: string }; Item?: { pk: string } }).Key?.pk ?? (c.input as { Item?: { pk: string } }).Item?.pk])).toEqual(
      expect.arrayContaining([
        ['UpdateCommand', `${STATE_KEY_PREFIX}live`],
        ['PutCommand', `${STATE_KEY_PREFIX}new`],
      ]),
    );
    expect(writes).toHaveLength(2);
    expect((await state.get(['live'])).get('live')?.counters.n).toBe(6);
    send.mockRestore();
  });

  it('stops adding members to a set once it holds SET_LIMIT values', async () => {
    const { state } = await store();
    const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => `v${from + i}`);
    await state.merge([delta('k', { sets: { s: many(0, SET_LIMIT - 10) } })], 't1');
    const totals = await state.merge([delta('k', { sets: { s: many(SET_LIMIT, 50) } })], 't2');
    expect(totals.get('k')?.sets.s).toHaveLength(SET_LIMIT);
    expect((await state.get(['k'])).get('k')?.sets.s).toHaveLength(SET_LIMIT);
  });

  it('sets the TTL in epoch seconds to the later of the event-time expiry and the wall clock plus the margin', async () => {
    const { state, doc, table } = await store({ ttlMarginMs: 3_600_000 });
    const future = NOW + 10 * 86_400_000;
    await state.merge([delta('old', { counters: { n: 1 } }), delta('future', { counters: { n: 1 }, expiresAt: future })], 't');
    const ttlOf = async (key: string) => (await doc.send(new GetCommand({ TableName: table, Key: { pk: STATE_KEY_PREFIX + key } }))).Item?.ttl;
    // Replayed logs from 2025 keep their state for the margin, not until a date already past.
    expect(await ttlOf('old')).toBe((NOW + 3_600_000) / 1000);
    expect(await ttlOf('future')).toBe(future / 1000);
  });

  it('treats entries that expired in event time as absent and starts them afresh', async () => {
    const { state } = await store();
    await state.merge([delta('window', { counters: { n: 7 }, expiresAt: T0 + 60_000 })], 't1');
    expect(await state.expire(T0 + 120_000)).toBe(0);
    expect((await state.get(['window'])).size).toBe(0);
    const totals = await state.merge([delta('window', { counters: { n: 1 }, expiresAt: T0 + 600_000 })], 't2');
    expect(totals.get('window')).toEqual({ expiresAt: T0 + 600_000, counters: { n: 1 }, sets: {}, min: {}, max: {} });
  });

  it('keeps every increment when two Lambdas merge the same key at once', async () => {
    const { doc, tables } = await dynamo.fresh();
    const make = () => new DynamoStateStore({ client: doc, tableName: tables.state, clock: () => NOW, backoff: { ...noWait, maxAttempts: 20 }, maxConflictRetries: 20 });
    const writers = Array.from({ length: 6 }, make);
    await Promise.all(writers.map((w, i) => w.merge([delta('hot', { counters: { n: i + 1 }, sets: { who: [`w${i}`] } })], `token-${i}`)));
    const total = (await writers[0]!.get(['hot'])).get('hot');
    expect(total?.counters.n).toBe(21);
    expect(total?.sets.who).toHaveLength(6);
  });

  it('gives up with ConcurrentUpdateError when a key keeps changing under it', async () => {
    const { state, doc, table } = await store({ maxConflictRetries: 2 });
    await state.merge([delta('contended', { counters: { n: 1 } })], 't1');
    const send = doc.send.bind(doc);
    // Another writer bumps the version right before each of our writes.
    jest.spyOn(doc, 'send').mockImplementation(async (command: any) => {
      if (command instanceof UpdateCommand && command.input.TableName === table && command.input.ConditionExpression) {
        await send(new UpdateCommand({ TableName: table, Key: { pk: `${STATE_KEY_PREFIX}contended` }, UpdateExpression: 'ADD v :one', ExpressionAttributeValues: { ':one': 1 } }));
      }
      return send(command);
    });
    await expect(state.merge([delta('contended', { counters: { n: 1 } })], 't2')).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it('leaves empty strings out of sets instead of failing the write', async () => {
    const { state } = await store();
    const totals = await state.merge([delta('k', { sets: { s: ['', 'a'] } })], 't');
    expect(totals.get('k')?.sets.s).toEqual(['a']);
  });
});
