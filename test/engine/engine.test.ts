import { MemoryStore } from '../../lambdas/adapters/memory';
import { defineDetector, type Observation } from '../../lambdas/engine/detector';
import { Engine, type EngineOptions } from '../../lambdas/engine/engine';
import type { ApiCallEvent, FlowEvent } from '../../lambdas/engine/events';
import type { Finding } from '../../lambdas/engine/finding';
import type { StateDelta } from '../../lambdas/engine/state';
import { parseSuppressionRule } from '../../lambdas/engine/suppression';
import type { IntelLookup } from '../../lambdas/intel/types';
import { CASE_EPOCH, apiCall, dnsQuery, flow } from '../../lambdas/detectors/common/fixtures';

const scope = { accountId: '111122223333', region: 'us-east-1', partition: 'aws' };
const minute = 60_000;

/** Emits one observation per API call, keyed by user, with the caller address as remote IP. */
const perCall = defineDetector({
  source: 'cloudtrail',
  meta: { id: 'per-call', title: 'test', findingTypes: [{ type: 'Test:IAMUser/Call', severity: 'Medium', resourceType: 'AccessKey', description: 'x' }], runbook: 'x' },
  onEvent(event: ApiCallEvent, ctx) {
    ctx.emit(observationFor(event));
  },
});

function observationFor(event: ApiCallEvent): Observation {
  return {
    type: 'Test:IAMUser/Call',
    severity: 5,
    resourceRole: 'TARGET',
    resource: { resourceType: 'AccessKey', accessKeyDetails: { userName: event.identity.userName } },
    resourceKey: event.identity.userName ?? 'unknown',
    action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: event.eventName, remoteIpDetails: { ipAddressV4: event.sourceIp } } },
    title: `call ${event.eventName}`,
    description: 'd',
    firstSeen: event.time,
    lastSeen: event.time,
    count: 1,
    ...(event.sourceIp ? { remoteIp: event.sourceIp } : {}),
  };
}

function engineWith(store: MemoryStore, extra: Partial<EngineOptions> = {}): Engine {
  return new Engine({ detectors: [perCall], state: store, findings: store, ledger: store, scope, ...extra });
}

describe('Engine aggregation', () => {
  it('folds repeated activity on one resource into one finding with a growing count', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    await engine.processBatch([apiCall({ eventName: 'A', time: CASE_EPOCH })], 'in#0');
    const second = await engine.processBatch([apiCall({ eventName: 'B', time: CASE_EPOCH + minute }), apiCall({ eventName: 'C', time: CASE_EPOCH + 2 * minute })], 'in#1');

    expect(store.findings.size).toBe(1);
    const { finding } = [...store.findings.values()][0]!;
    expect(finding.service.count).toBe(3);
    expect(finding.service.eventFirstSeen).toBe('2025-01-01T00:00:00.000Z');
    expect(finding.service.eventLastSeen).toBe('2025-01-01T00:02:00.000Z');
    expect(finding.createdAt).toBe('2025-01-01T00:00:00.000Z');
    expect(finding.updatedAt).toBe('2025-01-01T00:02:00.000Z');
    expect(finding.service.action.awsApiCallAction?.api).toBe('C');
    expect(second.changes).toEqual([expect.objectContaining({ kind: 'updated', publish: true })]);
  });

  it('gives the same ids and the same finding whatever order the inputs arrive in', async () => {
    const events = [apiCall({ eventName: 'A', time: CASE_EPOCH }), apiCall({ eventName: 'B', time: CASE_EPOCH + minute })];
    const forward = new MemoryStore();
    await engineWith(forward).processBatch([events[0]!], 'a');
    await engineWith(forward).processBatch([events[1]!], 'b');
    const backward = new MemoryStore();
    await engineWith(backward).processBatch([events[1]!], 'b');
    await engineWith(backward).processBatch([events[0]!], 'a');

    expect([...backward.findings.values()].map((s) => s.finding)).toEqual([...forward.findings.values()].map((s) => s.finding));
    expect([...forward.findings.values()][0]!.finding.service.action.awsApiCallAction?.api).toBe('B');
  });

  it('keeps separate findings for separate resources and fills the GuardDuty envelope', async () => {
    const store = new MemoryStore();
    await engineWith(store).processBatch([apiCall({ identity: { userName: 'alice' } }), apiCall({ identity: { userName: 'bob' } })], 't');
    const findings = [...store.findings.values()].map((s) => s.finding);
    expect(findings).toHaveLength(2);
    for (const f of findings) {
      expect(f).toMatchObject({ schemaVersion: '2.0', accountId: '111122223333', region: 'us-east-1', partition: 'aws', severity: 5 });
      expect(f.id).toMatch(/^[0-9a-f]{32}$/);
      expect(f.arn).toBe(`arn:aws:guardduty:us-east-1:111122223333:detector/${f.service.detectorId}/finding/${f.id}`);
      expect(f.service).toMatchObject({ serviceName: 'guardduty', archived: false, resourceRole: 'TARGET', count: 1 });
    }
  });
});

describe('Engine idempotency', () => {
  it('changes nothing when the same input token is applied twice', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    const batch = [apiCall(), apiCall()];
    await engine.processBatch(batch, 's3://logs/key#etag1#0');
    const again = await engine.processBatch(batch, 's3://logs/key#etag1#0');
    expect(again.skipped).toBe(true);
    expect([...store.findings.values()][0]!.finding.service.count).toBe(2);
  });

  it('rolls a failing batch back so that its retry counts once', async () => {
    const failing = new MemoryStore();
    let fail = true;
    failing.putMany = async (findings) => {
      if (fail) throw new Error('store unavailable');
      return MemoryStore.prototype.putMany.call(failing, findings);
    };
    const engine = engineWith(failing);
    await expect(engine.processBatch([apiCall()], 'x')).rejects.toThrow('store unavailable');
    fail = false;
    await engine.processBatch([apiCall()], 'x');
    expect([...failing.findings.values()][0]!.finding.service.count).toBe(1);
  });
});

describe('Engine isolation of faulty detectors', () => {
  it('reports a throwing detector and lets the others carry on', async () => {
    const broken = defineDetector({
      source: 'cloudtrail',
      meta: { id: 'broken', title: 'b', findingTypes: [], runbook: 'x' },
      onEvent() {
        throw new Error('boom');
      },
    });
    const store = new MemoryStore();
    const result = await new Engine({ detectors: [broken, perCall], state: store, findings: store, ledger: store, scope }).processBatch([apiCall()], 't');
    expect(result.detectorErrors).toEqual([expect.objectContaining({ detectorId: 'broken' })]);
    expect(store.findings.size).toBe(1);
  });

  it('refuses two detectors with one id', () => {
    const store = new MemoryStore();
    expect(() => new Engine({ detectors: [perCall, perCall], state: store, findings: store, ledger: store, scope })).toThrow(/share the id per-call/);
  });
});

describe('Engine trusted lists and suppression rules', () => {
  const trusted: IntelLookup = { matchIp: () => [], matchDomain: () => [], isTrustedIp: (ip) => ip === '198.51.100.10' };

  it('drops CloudTrail observations whose remote address is trusted', async () => {
    const store = new MemoryStore();
    const result = await engineWith(store, { intel: trusted }).processBatch([apiCall({ sourceIp: '198.51.100.10' }), apiCall({ sourceIp: '198.51.100.11', identity: { userName: 'bob' } })], 't');
    expect(result.suppressedByTrustedList).toBe(1);
    expect([...store.findings.values()].map((s) => s.finding.resource.accessKeyDetails?.userName)).toEqual(['bob']);
  });

  it('does not apply trusted lists to DNS findings, as GuardDuty does not', async () => {
    const dnsDetector = defineDetector({
      source: 'dns',
      meta: { id: 'dns', title: 'd', findingTypes: [], runbook: 'x' },
      onEvent(event, ctx) {
        ctx.emit({ ...observationFor(apiCall()), type: 'Test:EC2/Dns', remoteIp: '198.51.100.10', resourceKey: event.queryName });
      },
    });
    const store = new MemoryStore();
    await new Engine({ detectors: [dnsDetector], state: store, findings: store, ledger: store, scope, intel: trusted }).processBatch([dnsQuery()], 't');
    expect(store.findings.size).toBe(1);
  });

  it('archives findings that a suppression rule matches and never publishes them', async () => {
    const rule = parseSuppressionRule({ name: 'ignore-alice', action: 'ARCHIVE', rank: 1, findingCriteria: { criterion: { 'resource.accessKeyDetails.userName': { eq: ['alice'] }, severity: { gte: 4 } } } });
    const store = new MemoryStore();
    const engine = engineWith(store, { suppressionRules: [rule] });
    const first = await engine.processBatch([apiCall({ identity: { userName: 'alice' } }), apiCall({ identity: { userName: 'bob' } })], 't1');
    const second = await engine.processBatch([apiCall({ identity: { userName: 'alice' } })], 't2');
    const alice = first.changes.find((c) => c.finding.resource.accessKeyDetails?.userName === 'alice')!;
    expect(alice).toMatchObject({ publish: false, finding: { service: { archived: true } } });
    expect(first.changes.find((c) => c.finding.resource.accessKeyDetails?.userName === 'bob')).toMatchObject({ publish: true });
    expect(second.changes[0]).toMatchObject({ publish: false, finding: { service: { archived: true, count: 2 } } });
  });

  it('unarchives an operator-archived finding when the activity comes back', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    await engine.processBatch([apiCall()], 't1');
    const [id, stored] = [...store.findings.entries()][0]!;
    store.findings.set(id, { ...stored, archiveReason: { by: 'user' }, finding: { ...stored.finding, service: { ...stored.finding.service, archived: true } } });
    const result = await engine.processBatch([apiCall()], 't2');
    expect(result.changes[0]).toMatchObject({ publish: true, finding: { service: { archived: false, count: 2 } } });
    expect(store.findings.get(id)!.archiveReason).toBeUndefined();
  });
});

describe('Engine enrichment', () => {
  it('runs enrichers before suppression rules, so rules can match what enrichment adds', async () => {
    const rule = parseSuppressionRule({ name: 'prod-only', findingCriteria: { criterion: { 'resource.accessKeyDetails.principalId': { eq: ['AIDA-ALICE'] } } } });
    const store = new MemoryStore();
    const enricher = { enrich: async (f: Finding) => ({ ...f, resource: { ...f.resource, accessKeyDetails: { ...f.resource.accessKeyDetails, principalId: `AIDA-${String(f.resource.accessKeyDetails?.userName).toUpperCase()}` } } }) };
    const result = await engineWith(store, { enrichers: [enricher], suppressionRules: [rule] }).processBatch([apiCall(), apiCall({ identity: { userName: 'bob' } })], 't');
    const byUser = Object.fromEntries(result.changes.map((c) => [c.finding.resource.accessKeyDetails?.userName, c]));
    expect(byUser.alice).toMatchObject({ publish: false, finding: { resource: { accessKeyDetails: { principalId: 'AIDA-ALICE' } } } });
    expect(byUser.bob).toMatchObject({ publish: true, finding: { resource: { accessKeyDetails: { principalId: 'AIDA-BOB' } } } });
  });
});

describe('Engine state', () => {
  it('merges all deltas of a batch into one write per key and hands back totals across batches', async () => {
    const seen: { key: string; total: number; batch: number }[] = [];
    const counter = defineDetector({
      source: 'vpcflow',
      meta: { id: 'counter', title: 'c', findingTypes: [], runbook: 'x' },
      onEvent(event: FlowEvent, ctx) {
        ctx.accumulate({ key: event.srcAddr, expiresAt: event.time + 10 * minute, counters: { flows: 1 }, sets: { ports: [String(event.dstPort)] } }, event.time, event);
      },
      onState(update, _ctx) {
        seen.push({ key: update.key, total: update.total.counters.flows!, batch: update.batch.counters.flows! });
      },
    });
    const store = new MemoryStore();
    const merges: StateDelta[][] = [];
    const originalMerge = store.merge.bind(store);
    store.merge = async (deltas) => {
      merges.push([...deltas]);
      return originalMerge(deltas);
    };
    const engine = new Engine({ detectors: [counter], state: store, findings: store, ledger: store, scope });
    await engine.processBatch([flow({ srcAddr: '1.1.1.1', dstPort: 1 }), flow({ srcAddr: '1.1.1.1', dstPort: 2 }), flow({ srcAddr: '2.2.2.2' })], 'b0');
    await engine.processBatch([flow({ srcAddr: '1.1.1.1', dstPort: 2 })], 'b1');

    expect(merges[0]).toHaveLength(2);
    expect(merges[0]!.find((d) => d.key === 'counter|1.1.1.1')).toMatchObject({ counters: { flows: 2 }, sets: { ports: ['1', '2'] } });
    expect(seen).toEqual([
      { key: '1.1.1.1', total: 2, batch: 2 },
      { key: '2.2.2.2', total: 1, batch: 1 },
      { key: '1.1.1.1', total: 3, batch: 1 },
    ]);
    expect(store.state.get('counter|1.1.1.1')!.sets.ports).toEqual(['1', '2']);
  });

  it('expires state older than the latest event time minus the allowed lateness', async () => {
    const keeper = defineDetector({
      source: 'vpcflow',
      meta: { id: 'keeper', title: 'k', findingTypes: [], runbook: 'x' },
      onEvent(event: FlowEvent, ctx) {
        ctx.accumulate({ key: String(event.time), expiresAt: event.time + minute, counters: { n: 1 } }, event.time);
      },
    });
    const store = new MemoryStore();
    const engine = new Engine({ detectors: [keeper], state: store, findings: store, ledger: store, scope, allowedLatenessMs: 5 * minute });
    await engine.processBatch([flow({ time: CASE_EPOCH })], 'b0');
    await engine.processBatch([flow({ time: CASE_EPOCH + 3 * minute })], 'b1');
    expect(store.state.size).toBe(2);
    await engine.processBatch([flow({ time: CASE_EPOCH + 8 * minute })], 'b2');
    expect([...store.state.keys()]).toEqual([`keeper|${CASE_EPOCH + 3 * minute}`, `keeper|${CASE_EPOCH + 8 * minute}`]);
  });
});
