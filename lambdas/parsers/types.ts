/**
 * The public shapes of the parser layer: what callers pass in and what they get back.
 *
 * Every entry point of lambdas/parsers speaks these types; the stream parser, the CloudWatch Logs payload
 * decoder and the record parsers share them so the CLI and the Lambda handlers see one vocabulary.
 */
import type { LogSource } from '../engine/events';
import type { ParseResult } from '../engine/issues';

/**
 * What an input turned out to be, decided from its content (never from its name).
 *
 * - `cloudtrail-file`: one or more `{"Records":[…]}` objects (S3 delivery).
 * - `cloudtrail-digest`: a log-file-validation digest (`logFiles`, no `Records`); skipped without an issue.
 * - `cloudtrail-records`: bare CloudTrail records, as JSON lines, concatenated objects or a JSON array.
 * - `eventbridge`: EventBridge envelopes wrapping CloudTrail records, one per line or in a JSON array.
 * - `cwl-subscription`: decoded CloudWatch Logs subscription messages, possibly concatenated (Firehose).
 * - `vpcflow`: VPC flow log text, with or without its header line.
 * - `dns-jsonl`: Route 53 Resolver query log entries, one JSON object per line.
 * - `empty`: no bytes, or only whitespace.
 * - `unknown`: none of the above; the input yields one `unrecognized-format` issue.
 */
export type InputFormat =
  | 'cloudtrail-file'
  | 'cloudtrail-digest'
  | 'cloudtrail-records'
  | 'eventbridge'
  | 'cwl-subscription'
  | 'vpcflow'
  | 'dns-jsonl'
  | 'empty'
  | 'unknown';

/** Largest flow log line accepted by default (1 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** Largest single JSON record accepted by default (8 MiB). */
export const DEFAULT_MAX_JSON_RECORD_BYTES = 8 * 1024 * 1024;
/** Results per yielded chunk by default. */
export const DEFAULT_CHUNK_SIZE = 1000;

export interface ParseOptions {
  /** Name used in every origin (file path or s3://bucket/key). */
  readonly input: string;
  /**
   * Flow-log format string (`${version} ${account-id} ...` or space-separated names) for headerless flow
   * input. A header line in the input takes precedence. @default the version 2 default format
   */
  readonly flowFormat?: string;
  /**
   * Largest single record/line accepted; bigger ones yield an 'oversized-record' issue and are skipped
   * WITHOUT being buffered. @default 1 MiB for lines, 8 MiB for a JSON record
   */
  readonly maxRecordBytes?: number;
  /** Results per yielded chunk. @default 1000 */
  readonly chunkSize?: number;
}

export interface ParsedChunk {
  /** Events and issues, in input order. */
  readonly results: ParseResult[];
}

/**
 * What a whole input amounted to.
 *
 * Every record ends as exactly one of: an event, a skip (a record the log itself marks as carrying nothing,
 * such as a flow NODATA line or a CloudWatch Logs CONTROL_MESSAGE), or an issue. So
 * `records = events + skipped + record issues`; `issues` also counts input-level issues (corrupt gzip,
 * unrecognized format, unknown flow columns) that belong to no single record.
 */
export interface ParseSummary {
  format: InputFormat;
  source?: LogSource;
  /** Records examined: JSON values, flow lines (header and blank lines excluded), CloudWatch log events. */
  records: number;
  events: number;
  skipped: number;
  /** Issues yielded, record-level and input-level. */
  issues: number;
}
