/**
 * One input unit (an S3 object, a Kinesis record, an EventBridge event) through the engine and out to
 * EventBridge: the part every ingest handler shares.
 *
 * 1. Run the parsed input through the engine (`runInput`), batch tokens `<token>#<n>`.
 * 2. If a batch lost an optimistic-concurrency race ({@link ConcurrentUpdateError}: another Lambda
 *    updated the same finding or state key between read and write), run the whole input again after a
 *    jittered pause. This is safe: batches that finished are skipped by the ledger, and items the failed
 *    batch already wrote carry its token and are skipped too.
 * 3. Publish what is due among the findings the input changed (read back as stored).
 * 4. Count and log: events by source, issues by reason (with the first few located), findings new and
 *    updated, detector errors, latency.
 *
 * Failures that retrying later can fix (DynamoDB throttling, PutEvents refusals, repeated conflicts) are
 * thrown, so the handler reports the input as failed and the event source delivers it again.
 */
import { ConcurrentUpdateError } from '../adapters/errors';
import { waitBeforeRetry } from '../adapters/retry';
import type { FindingChange } from '../engine/engine';
import type { ParseResult } from '../engine/issues';
import { runInput, type InputRunResult, type ResultChunk } from '../engine/pipeline';
import type { PublicationReport } from './publication';
import type { IngestRuntime } from './runtime';
import { IssueLog, recordRun } from './telemetry';

export interface IngestInput {
  /** Where issues are located, for the log (`s3://bucket/key`, `kinesis:…`). */
  readonly input: string;
  /** Opens the parsed input; called again for each attempt, because a stream can be read only once. */
  open(): Promise<OpenedInput> | OpenedInput;
}

export interface OpenedInput {
  /** Ledger identity of the input (`s3://bucket/key#etag`, `kinesis:stream/shard#sequence`, `eventbridge:<id>`). */
  readonly token: string;
  readonly chunks: AsyncIterable<ResultChunk>;
  /** Called after the run, e.g. to check that a streamed body was read to its end. */
  afterRun?(): void;
}

export interface IngestOutcome {
  readonly run: InputRunResult;
  /** Runs of the input, 1 unless a concurrent update forced a re-run. */
  readonly attempts: number;
  readonly created: number;
  readonly updated: number;
  readonly publication: PublicationReport;
}

/** Wraps already-parsed results (a Kinesis payload, an EventBridge event) as a one-chunk input. */
export function resultsInput(results: readonly ParseResult[]): AsyncIterable<ResultChunk> {
  return {
    async *[Symbol.asyncIterator]() {
      yield { results };
    },
  };
}

export async function ingestInput(runtime: IngestRuntime, input: IngestInput): Promise<IngestOutcome> {
  const started = performance.now();
  // Kept across attempts: a batch committed by an attempt that later lost a race is skipped by the next
  // one, but what it changed still has to be published and counted.
  const changes = new Map<string, FindingChange>();
  const onBatch = (result: { changes: readonly FindingChange[] }): void => {
    for (const change of result.changes) {
      const earlier = changes.get(change.finding.id);
      changes.set(change.finding.id, earlier?.kind === 'created' ? { ...change, kind: 'created' } : change);
    }
  };
  let attempts = 0;
  let run: InputRunResult;
  let issues: IssueLog;
  for (;;) {
    attempts++;
    issues = new IssueLog();
    try {
      const opened = await input.open();
      run = await runInput(runtime.engine, opened.chunks, { token: opened.token, batchSize: runtime.batchSize, onIssue: issues.onIssue, onBatch });
      opened.afterRun?.();
      break;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempts >= runtime.conflictBackoff.maxAttempts) throw error;
      runtime.logger.info('input re-run after a concurrent update', { input: input.input, attempt: attempts, keys: error.keys.slice(0, 5) });
      await waitBeforeRetry(attempts - 1, runtime.conflictBackoff);
    }
  }

  issues.write(runtime.logger, input.input);
  for (const e of run.detectorErrors) {
    runtime.logger.error('detector failed on an event', { detector: e.detectorId, origin: e.origin, error: e.error instanceof Error ? e.error : String(e.error) });
  }
  const all = [...changes.values()];
  const publication = await runtime.publication.publishChanged(all.filter((c) => c.publish).map((c) => c.finding.id));
  const merged: InputRunResult = { ...run, changes: all };
  recordRun(runtime.metrics, merged, performance.now() - started);
  runtime.metrics.count('FindingsPublished', publication.published);
  return {
    run: merged,
    attempts,
    created: all.filter((c) => c.kind === 'created').length,
    updated: all.filter((c) => c.kind === 'updated').length,
    publication,
  };
}
