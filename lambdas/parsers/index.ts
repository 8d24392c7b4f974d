/**
 * Vigil's log parsers: raw log bytes (CloudTrail, VPC flow logs, Route 53 Resolver query logs, and the
 * envelopes they travel in) to {@link ParseResult}s. Pure: no I/O, no AWS SDK, no clock.
 *
 * - {@link parseLogStream} / {@link parseLogBuffer}: whole inputs (files, S3 objects), format detected
 *   from content, gzip or not, streamed in chunks.
 * - {@link parseCloudWatchLogsPayload}: one CloudWatch Logs subscription payload (Kinesis, Lambda).
 * - {@link parseCloudTrailRecord}, {@link parseEventBridgeCloudTrail}, {@link parseResolverQuery},
 *   {@link parseFlowLine} with {@link compileFlowFormat}: single records.
 */
export type { ParseIssue, ParseResult } from '../engine/issues';
export { parseCloudTrailRecord, parseEventBridgeCloudTrail } from './cloudtrail';
export { parseCloudWatchLogsPayload, type CloudWatchLogsMessageInfo } from './cloudwatch-logs';
export { detectFormat } from './detect';
export { FlowFormatError, RecordShapeError } from './errors';
export { parseLogBuffer, parseLogStream } from './log-stream';
export { normalizeQueryName, parseResolverQuery } from './route53-resolver';
export {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_JSON_RECORD_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  type InputFormat,
  type ParsedChunk,
  type ParseOptions,
  type ParseSummary,
} from './types';
export {
  compileFlowFormat,
  DEFAULT_FLOW_FORMAT,
  DEFAULT_FLOW_LAYOUT,
  FLOW_FIELDS,
  FlowLayout,
  flowLayoutFor,
  parseFlowLine,
  REQUIRED_FLOW_COLUMNS,
} from './vpc-flow';
