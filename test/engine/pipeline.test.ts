import { MemoryStore } from '../../lambdas/adapters/memory';
import rootCredentialUsage from '../../lambdas/detectors/root-credential-usage';
import { apiCall } from '../../lambdas/detectors/common/fixtures';
import { Engine } from '../../lambdas/engine/engine';
import type { ParseResult } from '../../lambdas/engine/issues';
import { EventDeduplicator, runInput, runResults } from '../../lambdas/engine/pipeline';

const scope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws' };
const root = { type: 'Root', arn: 'arn:aws:iam::111122223333:root' };

function engine(store = new MemoryStore()) {
  return { store, engine: new Engine({ detectors: [rootCredentialUsage], state: store, findings: store, ledger: store, scope }) };
}

async function* chunks(...groups: ParseResult[][]) {
  for (const results of groups) yield { results };
}

describe('runInput', () => {
  it('drops duplicate CloudTrail events by eventID across the inputs of a run', async () => {
    const { engine: e, store } = engine();
    const dedupe = new EventDeduplicator();
    const event = apiCall({ identity: root });
    const a = await runInput(e, chunks([{ ok: true, event }, { ok: true, event }]), { token: 'file:a', dedupe });
    const b = await runInput(e, chunks([{ ok: true, event }]), { token: 'file:b', dedupe });
    expect(a.duplicates + b.duplicates).toBe(2);
    expect([...store.findings.values()][0]!.finding.service.count).toBe(1);
  });

  it('counts issues by reason, reports them with their location and carries on', async () => {
    const { engine: e } = engine();
    const reported: string[] = [];
    const result = await runInput(
      e,
      chunks([
        { ok: false, issue: { reason: 'malformed-json', message: 'bad', origin: { input: 'f', index: 1 } } },
        { ok: true, event: apiCall({ identity: root }) },
        { ok: false, issue: { reason: 'malformed-json', message: 'bad', origin: { input: 'f', index: 3 } } },
      ]),
      { token: 't', onIssue: (i) => reported.push(`${i.origin.input}#${i.origin.index}`) },
    );
    expect(result.issues.toJSON()).toEqual({ 'malformed-json': 2 });
    expect(reported).toEqual(['f#1', 'f#3']);
    expect(result.eventsBySource.cloudtrail).toBe(1);
    expect(result.changes).toHaveLength(1);
  });

  it('cuts inputs into batches with deterministic tokens, so a re-read input is skipped batch by batch', async () => {
    const { engine: e, store } = engine();
    const results: ParseResult[] = Array.from({ length: 7 }, () => ({ ok: true, event: apiCall({ identity: root }) }));
    const first = await runInput(e, chunks(results.slice(0, 4), results.slice(4)), { token: 'file:x', batchSize: 3 });
    const again = await runInput(e, chunks(results), { token: 'file:x', batchSize: 3, dedupe: new EventDeduplicator() });
    expect(first).toMatchObject({ batches: 3, skippedBatches: 0 });
    expect(again).toMatchObject({ batches: 3, skippedBatches: 3 });
    expect([...store.appliedTokens].sort()).toEqual(['file:x#0', 'file:x#1', 'file:x#2']);
    expect([...store.findings.values()][0]!.finding.service.count).toBe(7);
  });

  it('reports a finding created in this input as created even after later batches updated it', async () => {
    const { engine: e } = engine();
    const results: ParseResult[] = Array.from({ length: 4 }, () => ({ ok: true, event: apiCall({ identity: root }) }));
    const result = await runResults(e, results, { token: 'k', batchSize: 2 });
    expect(result.changes).toEqual([expect.objectContaining({ kind: 'created' })]);
    expect(result.changes[0]!.finding.service.count).toBe(4);
  });
});
