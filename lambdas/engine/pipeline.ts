/**
 * From parser output to engine batches: the loop every host runs (CLI scan, S3 and stream Lambdas).
 *
 * Parsed results arrive in chunks. Events are deduplicated (CloudTrail `eventID`), collected into batches
 * of `batchSize` and handed to the engine with the token `<input token>#<batch index>`. Because the chunking
 * is deterministic, re-reading the same input yields the same tokens, and the ledger turns the second read
 * into a no-op. Issues are counted by reason and reported through `onIssue` with their location.
 */
import type { BatchResult, DetectorError, Engine, FindingChange } from './engine';
import { LOG_SOURCES, type LogSource, type VigilEvent } from './events';
import { IssueCounter, type ParseIssue, type ParseResult } from './issues';

/** The part of a parser's chunk the pipeline reads (see lambdas/parsers). */
export interface ResultChunk {
  readonly results: readonly ParseResult[];
}

export interface InputRunOptions {
  /** Identity of the input: `s3://bucket/key#etag`, `kinesis:shard#sequence`, `file:<sha256>`. */
  readonly token: string;
  /** Events per engine batch. @default 5000 */
  readonly batchSize?: number;
  /** Shared across the inputs of one run so that duplicate CloudTrail events in different files drop too. */
  readonly dedupe?: EventDeduplicator;
  readonly onIssue?: (issue: ParseIssue) => void;
  /** Called after each batch, e.g. to move a progress bar. */
  readonly onBatch?: (result: BatchResult) => void;
}

export interface InputRunResult {
  readonly events: number;
  readonly eventsBySource: Record<LogSource, number>;
  readonly issues: IssueCounter;
  readonly duplicates: number;
  readonly batches: number;
  /** Batches the ledger had already applied (a re-read input). */
  readonly skippedBatches: number;
  /** The latest change of every finding this input touched. */
  readonly changes: FindingChange[];
  readonly detectorErrors: DetectorError[];
  readonly suppressedByTrustedList: number;
  /** Latest event time seen (ms), or undefined when there were no events. */
  readonly latestEventTime?: number;
}

/**
 * Drops CloudTrail events whose `eventID` was already seen in this run (CloudTrail documents rare duplicate
 * delivery). Memory is bounded: past `capacity` ids the oldest half is forgotten.
 */
export class EventDeduplicator {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly capacity = 2_000_000) {}

  /** True if the event was seen before (and should be dropped). */
  isDuplicate(event: VigilEvent): boolean {
    if (event.source !== 'cloudtrail') return false;
    const id = event.eventId;
    if (this.current.has(id) || this.previous.has(id)) return true;
    if (this.current.size >= this.capacity / 2) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
    return false;
  }
}

/** Runs a parsed input (all its chunks) through the engine. */
export async function runInput(engine: Engine, chunks: AsyncIterable<ResultChunk>, options: InputRunOptions): Promise<InputRunResult> {
  const run = new InputRun(engine, options);
  for await (const chunk of chunks) await run.add(chunk.results);
  return run.finish();
}

/** Runs already-parsed results (a Kinesis record's payload, an EventBridge event) through the engine. */
export async function runResults(engine: Engine, results: readonly ParseResult[], options: InputRunOptions): Promise<InputRunResult> {
  const run = new InputRun(engine, options);
  await run.add(results);
  return run.finish();
}

class InputRun {
  private readonly batchSize: number;
  private readonly dedupe: EventDeduplicator;
  private readonly issues = new IssueCounter();
  private readonly eventsBySource = Object.fromEntries(LOG_SOURCES.map((s) => [s, 0])) as Record<LogSource, number>;
  private readonly changes = new Map<string, FindingChange>();
  private readonly detectorErrors: DetectorError[] = [];
  private pending: VigilEvent[] = [];
  private events = 0;
  private duplicates = 0;
  private batches = 0;
  private skippedBatches = 0;
  private suppressed = 0;
  private latestEventTime: number | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly options: InputRunOptions,
  ) {
    this.batchSize = options.batchSize ?? 5000;
    this.dedupe = options.dedupe ?? new EventDeduplicator();
  }

  async add(results: readonly ParseResult[]): Promise<void> {
    for (const result of results) {
      if (!result.ok) {
        this.issues.add(result.issue.reason);
        this.options.onIssue?.(result.issue);
        continue;
      }
      const event = result.event;
      if (this.dedupe.isDuplicate(event)) {
        this.duplicates++;
        continue;
      }
      this.events++;
      this.eventsBySource[event.source]++;
      if (this.latestEventTime === undefined || event.time > this.latestEventTime) this.latestEventTime = event.time;
      this.pending.push(event);
      if (this.pending.length >= this.batchSize) await this.flush();
    }
  }

  async finish(): Promise<InputRunResult> {
    await this.flush();
    return {
      events: this.events,
      eventsBySource: this.eventsBySource,
      issues: this.issues,
      duplicates: this.duplicates,
      batches: this.batches,
      skippedBatches: this.skippedBatches,
      changes: [...this.changes.values()],
      detectorErrors: this.detectorErrors,
      suppressedByTrustedList: this.suppressed,
      ...(this.latestEventTime !== undefined ? { latestEventTime: this.latestEventTime } : {}),
    };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const result = await this.engine.processBatch(batch, `${this.options.token}#${this.batches}`);
    this.batches++;
    if (result.skipped) this.skippedBatches++;
    this.suppressed += result.suppressedByTrustedList;
    for (const change of result.changes) {
      // A finding created in this input stays "created" even if a later batch updated it again.
      const earlier = this.changes.get(change.finding.id);
      this.changes.set(change.finding.id, earlier?.kind === 'created' ? { ...change, kind: 'created' } : change);
    }
    for (const error of result.detectorErrors) this.detectorErrors.push(error);
    this.options.onBatch?.(result);
  }
}
