/**
 * CloudWatch Logs subscription data: `{"messageType", "logGroup", "logStream", "logEvents":[…]}`.
 *
 * A subscription delivers base64(gzip(JSON)) to Kinesis or Lambda; Firehose writes the gzip members
 * unchanged to S3. Each log event's `message` is whatever the log group holds: a CloudTrail record (JSON),
 * a Route 53 Resolver entry (JSON) or a flow log line (text, no header). The kind is decided per message,
 * since one stream may carry several log groups. CONTROL_MESSAGEs only probe the destination and are
 * dropped.
 */
import { gunzipSync } from 'node:zlib';
import type { EventOrigin } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import { parseCloudTrailRecord, parseEventBridgeCloudTrail } from './cloudtrail';
import { FlowFormatError } from './errors';
import { excerptOfBytes, excerptOfText, excerptOfValue } from './excerpt';
import { isGzip } from './gzip';
import { isJsonObject, jsonTypeOf } from './json-fields';
import { issueResult } from './results';
import { parseResolverQuery } from './route53-resolver';
import type { ParseOptions } from './types';
import { flowLayoutFor, type FlowLayout } from './vpc-flow';

/** Largest decompressed payload accepted by {@link parseCloudWatchLogsPayload} unless `maxRecordBytes` says. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** What one subscription message was, besides its results. */
export interface CloudWatchLogsMessageInfo {
  readonly messageType: string | undefined;
  readonly logGroup?: string;
  readonly logStream?: string;
}

/** Receives a message's results in order; `skip` marks a record that carries nothing (CONTROL_MESSAGE, NODATA). */
export interface MessageResultSink {
  result(result: ParseResult): void;
  skip(): void;
}

/**
 * Decodes one CloudWatch Logs subscription payload (the base64 string of a Kinesis record or of
 * `event.awslogs.data`, or its bytes; gzip or already inflated) and parses its log events. Never throws:
 * bad base64/gzip/JSON becomes an issue located at `options.input`. Log event origins are
 * `{ input: '<input>#<logGroup>/<logStream>', index: <position in logEvents> }`.
 *
 * @example
 * const { results, messageType } = parseCloudWatchLogsPayload(record.kinesis.data, { input: `kinesis:${record.eventID}` });
 */
export function parseCloudWatchLogsPayload(
  data: string | Uint8Array,
  options: ParseOptions,
): { results: ParseResult[]; messageType: string | undefined; logGroup?: string; logStream?: string } {
  const results: ParseResult[] = [];
  const origin: EventOrigin = { input: options.input };
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;

  let json: Buffer = bytes;
  if (isGzip(bytes)) {
    try {
      json = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooBig = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      results.push(
        tooBig
          ? issueResult('oversized-record', `payload inflates to more than ${maxBytes} bytes`, origin)
          : issueResult('corrupt-gzip', `payload is not valid gzip: ${(error as Error).message}`, origin, undefined, excerptOfBytes(bytes)),
      );
      return { results, messageType: undefined };
    }
  } else if (json.length > maxBytes) {
    results.push(issueResult('oversized-record', `payload is larger than ${maxBytes} bytes`, origin));
    return { results, messageType: undefined };
  }

  let message: unknown;
  try {
    message = JSON.parse(json.toString('utf8'));
  } catch (error) {
    results.push(issueResult('malformed-json', `payload is not JSON: ${(error as Error).message}`, origin, undefined, excerptOfBytes(json)));
    return { results, messageType: undefined };
  }
  const info = readCloudWatchLogsMessage(message, origin, flowLayoutFor(options.flowFormat), {
    result: (r) => results.push(r),
    skip: () => undefined,
  });
  return { results, ...info };
}

/**
 * Parses one decoded subscription message object. `base` locates the message (the payload's input, or a
 * file's line and offset when messages come from a Firehose object); each log event's origin adds the log
 * group and stream to `input` and its position in `logEvents` as `index`.
 */
export function readCloudWatchLogsMessage(
  message: unknown,
  base: EventOrigin,
  flowLayout: FlowLayout | FlowFormatError,
  sink: MessageResultSink,
): CloudWatchLogsMessageInfo {
  if (!isJsonObject(message)) {
    sink.result(issueResult('invalid-record', `a subscription message must be a JSON object, got ${jsonTypeOf(message)}`, base, undefined, excerptOfValue(message)));
    return { messageType: undefined };
  }
  const messageType = typeof message.messageType === 'string' ? message.messageType : undefined;
  const logGroup = typeof message.logGroup === 'string' ? message.logGroup : undefined;
  const logStream = typeof message.logStream === 'string' ? message.logStream : undefined;
  const info: CloudWatchLogsMessageInfo = { messageType, ...(logGroup !== undefined && { logGroup }), ...(logStream !== undefined && { logStream }) };

  if (messageType === 'CONTROL_MESSAGE') {
    sink.skip();
    return info;
  }
  if (messageType !== 'DATA_MESSAGE') {
    sink.result(issueResult('invalid-record', `messageType must be DATA_MESSAGE or CONTROL_MESSAGE, got ${JSON.stringify(message.messageType)?.slice(0, 40) ?? 'nothing'}`, base, undefined, excerptOfValue(message)));
    return info;
  }
  const logEvents = message.logEvents;
  if (!Array.isArray(logEvents)) {
    sink.result(issueResult('invalid-record', `logEvents must be an array, got ${jsonTypeOf(logEvents)}`, base, undefined, excerptOfValue(message)));
    return info;
  }
  const input = logGroup !== undefined || logStream !== undefined ? `${base.input}#${logGroup ?? ''}/${logStream ?? ''}` : base.input;
  for (let index = 0; index < logEvents.length; index++) {
    const origin: EventOrigin = { ...base, input, index };
    const logEvent: unknown = logEvents[index];
    if (!isJsonObject(logEvent) || typeof logEvent.message !== 'string') {
      sink.result(issueResult('invalid-record', 'a log event must be an object with a string message', origin, undefined, excerptOfValue(logEvent)));
      continue;
    }
    readLogEventMessage(logEvent.message, origin, flowLayout, sink);
  }
  return info;
}

/** A log event's message: JSON (CloudTrail or resolver, told apart by their keys) or a flow log line. */
function readLogEventMessage(text: string, origin: EventOrigin, flowLayout: FlowLayout | FlowFormatError, sink: MessageResultSink): void {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  if (text.charCodeAt(i) !== 0x7b) {
    if (flowLayout instanceof FlowFormatError) {
      sink.result(issueResult('unrecognized-format', `flow record cannot be read: ${flowLayout.message}`, origin, 'vpcflow', excerptOfText(text)));
      return;
    }
    const result = flowLayout.parseLine(text, origin);
    if (result === undefined) sink.skip();
    else sink.result(result);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    sink.result(issueResult('malformed-json', `log event message is not JSON: ${(error as Error).message}`, origin, undefined, excerptOfText(text)));
    return;
  }
  if (isJsonObject(value)) {
    if ('eventVersion' in value) return sink.result(parseCloudTrailRecord(value, origin));
    if ('query_name' in value) return sink.result(parseResolverQuery(value, origin));
    if ('detail-type' in value) return sink.result(parseEventBridgeCloudTrail(value, origin));
  }
  sink.result(issueResult('invalid-record', 'log event holds JSON that is neither a CloudTrail record nor a resolver query log entry', origin, undefined, excerptOfText(text)));
}
