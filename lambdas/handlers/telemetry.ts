/**
 * What the handlers measure, through Powertools Metrics (CloudWatch embedded metric format) and Logger.
 *
 * Handlers speak to a small {@link MetricSink} rather than to Metrics directly, so a test can read what was
 * counted and the Powertools object stays the only thing that knows about EMF. Metric names:
 * `EventsIn` (by `source`), `EventsRejected` (by `reason`), `DuplicateEvents`, `RedeliveredBatches`,
 * `FindingsNew`, `FindingsUpdated`, `FindingsSuppressedByTrustedList`, `DetectorErrors` (by `detector`),
 * `FindingsPublished`, `InputsFailed`, `InputsSkipped` (by `reason`), `BatchLatency` (ms), `IntelListsFailed`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { InputRunResult } from '../engine/pipeline';
import type { ParseIssue } from '../engine/issues';

export interface MetricSink {
  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void;
  milliseconds(name: string, value: number): void;
  /** Writes what was recorded during this invocation. */
  flush(): void;
}

/** {@link MetricSink} on Powertools Metrics: plain metrics share one EMF blob, dimensioned ones get their own. */
export class PowertoolsMetricSink implements MetricSink {
  private recorded = false;

  constructor(private readonly metrics: Metrics) {}

  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void {
    if (value === 0 && dimensions) return;
    this.recorded = true;
    if (!dimensions) {
      this.metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    const single = this.metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, MetricUnit.Count, value);
  }

  milliseconds(name: string, value: number): void {
    this.recorded = true;
    this.metrics.addMetric(name, MetricUnit.Milliseconds, value);
  }

  flush(): void {
    if (this.recorded) this.metrics.publishStoredMetrics();
    this.recorded = false;
  }
}

/** Issues logged in full per input; the rest are only counted, so one corrupt file cannot flood the logs. */
export const LOGGED_ISSUES_PER_INPUT = 20;

/** Collects an input's issues for the log: every one counted, the first few kept with their location. */
export class IssueLog {
  private readonly kept: ParseIssue[] = [];
  private total = 0;

  readonly onIssue = (issue: ParseIssue): void => {
    this.total++;
    if (this.kept.length < LOGGED_ISSUES_PER_INPUT) this.kept.push(issue);
  };

  write(logger: Logger, input: string): void {
    if (this.total === 0) return;
    logger.warn('input records set aside', {
      input,
      issues: this.total,
      shown: this.kept.map((i) => ({ reason: i.reason, message: i.message, origin: i.origin, ...(i.excerpt ? { excerpt: i.excerpt } : {}) })),
    });
  }
}

/** Counts what one input run did. */
export function recordRun(sink: MetricSink, run: InputRunResult, latencyMs: number): void {
  for (const [source, n] of Object.entries(run.eventsBySource)) sink.count('EventsIn', n, { source });
  for (const [reason, n] of Object.entries(run.issues.toJSON())) sink.count('EventsRejected', n ?? 0, { reason });
  sink.count('DuplicateEvents', run.duplicates);
  sink.count('RedeliveredBatches', run.skippedBatches);
  sink.count('FindingsNew', run.changes.filter((c) => c.kind === 'created').length);
  sink.count('FindingsUpdated', run.changes.filter((c) => c.kind === 'updated').length);
  sink.count('FindingsSuppressedByTrustedList', run.suppressedByTrustedList);
  const byDetector = new Map<string, number>();
  for (const e of run.detectorErrors) byDetector.set(e.detectorId, (byDetector.get(e.detectorId) ?? 0) + 1);
  for (const [detector, n] of byDetector) sink.count('DetectorErrors', n, { detector });
  sink.milliseconds('BatchLatency', latencyMs);
}
