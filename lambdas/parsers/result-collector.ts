/**
 * Collects parse results into fixed-size chunks and keeps the input's tally.
 *
 * Chunks are cut by result count only, never by how the bytes happened to arrive, so the same input always
 * yields the same chunks.
 */
import type { LogSource } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import type { InputFormat, ParseSummary } from './types';

export class ResultCollector {
  readonly summary: ParseSummary;
  private current: ParseResult[] = [];
  private readonly ready: ParseResult[][] = [];

  constructor(private readonly chunkSize: number) {
    this.summary = { format: 'unknown', records: 0, events: 0, skipped: 0, issues: 0 };
  }

  setFormat(format: InputFormat, source: LogSource | undefined): void {
    this.summary.format = format;
    if (source !== undefined) this.summary.source = source;
  }

  /** One record's outcome; `undefined` means the record was skipped on purpose (NODATA, CONTROL_MESSAGE). */
  record(result: ParseResult | undefined): void {
    this.summary.records++;
    if (result === undefined) this.summary.skipped++;
    else this.add(result);
  }

  /** An issue about the input as a whole (corrupt gzip, unknown format), not about one record. */
  inputIssue(result: ParseResult): void {
    this.add(result);
  }

  /** Chunks completed so far; with `flush`, also the last partial one. */
  take(flush = false): ParseResult[][] {
    if (flush && this.current.length > 0) {
      this.ready.push(this.current);
      this.current = [];
    }
    return this.ready.splice(0, this.ready.length);
  }

  private add(result: ParseResult): void {
    if (result.ok) {
      this.summary.events++;
      if (this.summary.source === undefined) this.summary.source = result.event.source;
    } else {
      this.summary.issues++;
    }
    this.current.push(result);
    if (this.current.length >= this.chunkSize) {
      this.ready.push(this.current);
      this.current = [];
    }
  }
}
