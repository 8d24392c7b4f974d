import type { FindingRecord, PendingFinding } from '../../lambdas/adapters/dynamodb-findings';
import type { Finding } from '../../lambdas/engine/finding';
import { FindingPublication } from '../../lambdas/handlers/publication';
import { sshObservation, storedFinding } from '../support/findings';

/** A findings store in memory with the publishing bookkeeping of the DynamoDB one. */
class FakeFindings {
  readonly records = new Map<string, FindingRecord>();
  readonly marked: [string, number][] = [];

  add(instance: string, publishState: FindingRecord['publishState'], pendingSince = 0, revision = 1): string {
    const stored = storedFinding(sshObservation({ instanceId: instance }));
    this.records.set(stored.finding.id, { stored, revision, ...(publishState ? { publishState, pendingSince } : {}) });
    return stored.finding.id;
  }

  async getRecords(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.records.has(id) ? [[id, this.records.get(id)!] as const] : [])));
  }

  async listPending(): Promise<PendingFinding[]> {
    return [...this.records.values()]
      .filter((r) => r.publishState)
      .map((r) => ({ id: r.stored.finding.id, publishState: r.publishState!, pendingSince: r.pendingSince ?? 0, revision: r.revision }));
  }

  async markPublished(id: string, revision: number) {
    this.marked.push([id, revision]);
    const r = this.records.get(id)!;
    if (r.revision !== revision) return false;
    const { publishState: _p, pendingSince: _s, ...rest } = r;
    this.records.set(id, rest);
    return true;
  }
}

function publisher() {
  const sent: Finding[][] = [];
  return { sent, publish: async (findings: readonly Finding[]) => (sent.push([...findings]), { published: findings.length, calls: 1, retriedEntries: 0 }) };
}

describe('FindingPublication', () => {
  it('publishes new findings at once and leaves updates for their interval', async () => {
    const findings = new FakeFindings();
    const fresh = findings.add('i-1', 'NEW');
    const update = findings.add('i-2', 'PENDING');
    const archived = findings.add('i-3', undefined);
    const out = publisher();
    const publication = new FindingPublication({ findings, publisher: out, frequency: 'FIFTEEN_MINUTES' });
    expect(await publication.publishChanged([fresh, update, archived, fresh])).toEqual({ published: 1, newFindings: 1, superseded: 0 });
    expect(out.sent.map((batch) => batch.map((f) => f.id))).toEqual([[fresh]]);
    expect(findings.records.get(update)?.publishState).toBe('PENDING');
  });

  it('publishes updates at once under IMMEDIATE', async () => {
    const findings = new FakeFindings();
    const update = findings.add('i-2', 'PENDING');
    const out = publisher();
    await new FindingPublication({ findings, publisher: out, frequency: 'IMMEDIATE' }).publishChanged([update]);
    expect(out.sent.flat().map((f) => f.id)).toEqual([update]);
  });

  it('sends pending updates once their wait under the frequency is over, and leftover new findings always', async () => {
    const now = 10 * 3_600_000;
    const findings = new FakeFindings();
    const leftover = findings.add('i-1', 'NEW', now);
    const due = findings.add('i-2', 'PENDING', now - 3_600_000 + 30_000);
    const waiting = findings.add('i-3', 'PENDING', now - 30 * 60_000);
    const out = publisher();
    const publication = new FindingPublication({ findings, publisher: out, frequency: 'ONE_HOUR', clock: () => now, toleranceMs: 60_000 });
    expect(await publication.publishDue()).toEqual({ published: 2, newFindings: 1, superseded: 0 });
    expect(new Set(out.sent.flat().map((f) => f.id))).toEqual(new Set([leftover, due]));
    expect(findings.records.get(waiting)?.publishState).toBe('PENDING');
  });

  it('counts a finding updated during publication as superseded and leaves it pending', async () => {
    const findings = new FakeFindings();
    const id = findings.add('i-1', 'NEW');
    const racing = {
      ...findings,
      getRecords: (ids: readonly string[]) => findings.getRecords(ids),
      listPending: () => findings.listPending(),
      markPublished: async (fid: string, revision: number) => {
        // Another Lambda wrote revision 2 while the event was on its way.
        findings.records.set(fid, { ...findings.records.get(fid)!, revision: 2 });
        return findings.markPublished(fid, revision);
      },
    };
    expect(await new FindingPublication({ findings: racing, publisher: publisher(), frequency: 'SIX_HOURS' }).publishChanged([id])).toMatchObject({ superseded: 1 });
    expect(findings.records.get(id)?.publishState).toBe('NEW');
  });

  it('marks nothing published when the publisher fails', async () => {
    const findings = new FakeFindings();
    const id = findings.add('i-1', 'NEW');
    const failing = { publish: async () => Promise.reject(new Error('PutEvents refused')) };
    await expect(new FindingPublication({ findings, publisher: failing, frequency: 'SIX_HOURS' }).publishChanged([id])).rejects.toThrow('PutEvents refused');
    expect(findings.marked).toEqual([]);
  });
});
