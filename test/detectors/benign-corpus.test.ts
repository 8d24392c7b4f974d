/**
 * The acceptance test of issue 4: eight and a half days of a small company's ordinary traffic (web tier with
 * hundreds of clients, load-balancer health checks, an app–database pair, a monitoring host scraping every
 * instance each minute, a nightly multi-GB backup to S3, admins' SSH sessions, internet noise rejected at
 * the edge) go through the real parsers and every detector, and must not raise anything of Medium severity
 * or above. Then the learned baselines must notice deviations injected after it.
 */
import { MemoryStore } from '../../lambdas/adapters/memory';
import { DETECTORS } from '../../lambdas/detectors';
import { outbound } from '../../lambdas/detectors/common/fixtures';
import { DNS_RESOLVER_UNUSUAL, DOH_UNUSUAL, DOT_UNUSUAL, PORT_UNUSUAL, SPAMBOT, VOLUME_UNUSUAL } from '../../lambdas/detectors/network-baselines';
import { Engine } from '../../lambdas/engine/engine';
import type { FlowEvent } from '../../lambdas/engine/events';
import { severityLevel, type Finding } from '../../lambdas/engine/finding';
import { EventDeduplicator, runInput } from '../../lambdas/engine/pipeline';
import { parseLogBuffer } from '../../lambdas/parsers';
import { ACCOUNT, generateCorpus, INSTANCES, REGION } from '../../scripts/corpus';
import { scope } from './harness';

const START = Date.UTC(2025, 0, 6);
const HOURS = 8 * 24 + 12;
const END = START + HOURS * 3_600_000;

describe('benign background corpus (8.5 days) and injected deviations', () => {
  const store = new MemoryStore();
  const engine = new Engine({ detectors: DETECTORS, state: store, findings: store, ledger: store, scope });
  const background: Finding[] = [];
  let events = 0;

  beforeAll(async () => {
    const dedupe = new EventDeduplicator();
    for (const file of generateCorpus({ hours: HOURS, start: START, attacks: false })) {
      const result = await runInput(engine, parseLogBuffer(file.content, { input: file.path }), { token: `corpus:${file.path}`, dedupe });
      if (result.detectorErrors.length > 0) throw new Error(`${result.detectorErrors[0]!.detectorId}: ${String(result.detectorErrors[0]!.error)}`);
      if (result.issues.total > 0) throw new Error(`${file.path}: ${JSON.stringify(result.issues.toJSON())}`);
      events += result.events;
      for (const change of result.changes) background.push(change.finding);
    }
  }, 120_000);

  it('replays the whole background: over 500,000 flow, DNS and CloudTrail events', () => {
    expect(events).toBeGreaterThan(500_000);
  });

  it('raises nothing of Medium severity or above', () => {
    const loud = background.filter((f) => f.severity >= 4).map((f) => `${f.type} (${severityLevel(f.severity)}) on ${f.resource.instanceDetails?.instanceId ?? f.resource.accessKeyDetails?.userName}`);
    expect(loud).toEqual([]);
  });

  it('notices every deviation injected after the learning period', async () => {
    const { app, web1 } = INSTANCES;
    const t = END + 30 * 60_000;
    const onApp = (dstAddr: string, dstPort: number, extra: Partial<FlowEvent> = {}) =>
      outbound(dstAddr, dstPort, { accountId: ACCOUNT, interfaceId: app.eni, srcAddr: app.ip, time: t, ...extra });
    // web-1 logs flow logs v5: direction, instance id and flags are in its records.
    const onWeb = (dstAddr: string, dstPort: number, extra: Partial<FlowEvent> = {}) =>
      outbound(dstAddr, dstPort, { accountId: ACCOUNT, version: 5, interfaceId: web1.eni, instanceId: web1.id, region: REGION, flowDirection: 'egress', tcpFlags: 3, srcAddr: web1.ip, time: t, ...extra });
    const deviations: FlowEvent[] = [
      onApp('203.0.113.50', 1389, { srcPort: 51_000 }),
      onApp('198.51.100.99', 443, { srcPort: 51_001, packets: 3_000_000, bytes: 4_200_000_000, time: t + 60_000 }),
      ...Array.from({ length: 8 }, (_, i) => onApp(`192.0.2.${40 + i}`, 25, { srcPort: 52_000 + i, time: t + 120_000 + i * 1_000 })),
      onWeb('8.8.8.8', 53, { protocol: 17, srcPort: 53_000, packets: 1, bytes: 70, tcpFlags: 0 }),
      onWeb('1.1.1.1', 443, { srcPort: 53_001, time: t + 1_000 }),
      onWeb('9.9.9.9', 853, { srcPort: 53_002, time: t + 2_000 }),
    ];
    const result = await engine.processBatch(deviations, 'deviations#0');
    expect(result.detectorErrors).toEqual([]);
    const raised = result.changes.map((c) => [c.finding.type, c.finding.resource.instanceDetails?.instanceId, c.finding.severity] as const);
    expect(raised).toEqual(
      expect.arrayContaining([
        [PORT_UNUSUAL, app.eni, 8],
        [VOLUME_UNUSUAL, app.eni, 5],
        [SPAMBOT, app.eni, 5],
        [DNS_RESOLVER_UNUSUAL, web1.id, 5],
        [DOH_UNUSUAL, web1.id, 5],
        [DOT_UNUSUAL, web1.id, 5],
      ]),
    );
  });
});
