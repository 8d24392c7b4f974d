/**
 * Content-based format detection: what an input is, judged from its first bytes after gunzip.
 *
 * Names and extensions lie (renamed files, Firehose keys without suffix, tools that inflate on download),
 * so the decision rests on content. JSON inputs are classified by the keys of their first object (or of
 * the first element of a top-level array), read with a small scanner, not by substring search: a CloudTrail
 * record may well contain the text `"Records"` inside its request parameters, while a top-level key cannot
 * lie about its depth. Text inputs are flow logs when their first line is a flow header or a flow record.
 */
import type { InputFormat } from './types';
import { DEFAULT_FLOW_LAYOUT, isFlowHeaderLine } from './vpc-flow';

/** How many leading bytes detection looks at (a `Records` key can follow other keys). */
export const DETECTION_WINDOW_BYTES = 64 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Index of the first byte after a UTF-8 BOM and whitespace, or `bytes.length` if there is none. */
export function contentStart(bytes: Uint8Array): number {
  let i = 0;
  if (bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2]) i = 3;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    i++;
  }
  return i;
}

export interface DetectOptions {
  /** The caller supplies a flow format, so a headerless text input may be flow records in a custom format. */
  readonly flowFormatGiven: boolean;
}

/**
 * Classifies an input from its first bytes (up to {@link DETECTION_WINDOW_BYTES}, or all of it when it is
 * shorter). Returns `empty` for blank input and `unknown` when nothing matches.
 *
 * @example
 * detectFormat(Buffer.from('{"Records":[]}'), { flowFormatGiven: false }) // 'cloudtrail-file'
 */
export function detectFormat(prefix: Uint8Array, options: DetectOptions): InputFormat {
  const start = contentStart(prefix);
  if (start >= prefix.length) return 'empty';
  const first = prefix[start];
  if (first === 0x7b || first === 0x5b) return classifyJson(topLevelKeys(prefix, start));
  return classifyText(firstLine(prefix, start), options);
}

function classifyJson(keys: ReadonlySet<string>): InputFormat {
  if (keys.has('Records')) return 'cloudtrail-file';
  if (keys.has('logFiles') || keys.has('digestPublicKeyFingerprint')) return 'cloudtrail-digest';
  if (keys.has('messageType')) return 'cwl-subscription';
  if (keys.has('detail-type')) return 'eventbridge';
  if (keys.has('eventVersion') || (keys.has('eventSource') && keys.has('eventName'))) return 'cloudtrail-records';
  if (keys.has('query_name')) return 'dns-jsonl';
  return 'unknown';
}

/** The longest key worth recording; longer keys are none of the ones detection looks for. */
const MAX_KEY_BYTES = 64;

/**
 * Keys of the first top-level object, or of the first object inside a top-level array, as far as the
 * prefix reaches. Values, nested objects and strings are skipped by depth.
 */
export function topLevelKeys(bytes: Uint8Array, start: number): Set<string> {
  const keys = new Set<string>();
  const keyDepth = bytes[start] === 0x5b ? 2 : 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastString: string | undefined;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) {
        inString = false;
        if (stringStart >= 0 && i - stringStart <= MAX_KEY_BYTES) {
          lastString = Buffer.from(bytes.buffer, bytes.byteOffset + stringStart, i - stringStart).toString('utf8');
        }
      }
      continue;
    }
    switch (b) {
      case 0x22:
        inString = true;
        stringStart = depth === keyDepth ? i + 1 : -1;
        lastString = undefined;
        break;
      case 0x3a:
        if (depth === keyDepth && lastString !== undefined) keys.add(lastString);
        break;
      case 0x7b:
      case 0x5b:
        depth++;
        break;
      case 0x7d:
      case 0x5d:
        depth--;
        // The first object (or array element) has closed: its keys are all known.
        if (depth < keyDepth) return keys;
        break;
      default:
    }
  }
  return keys;
}

/** The first line of the content, decoded as Latin-1 (binary junk stays one byte per character). */
function firstLine(bytes: Uint8Array, start: number): string {
  let end = start;
  while (end < bytes.length && bytes[end] !== 0x0a) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1').replace(/\r$/, '');
}

function classifyText(line: string, options: DetectOptions): InputFormat {
  if (isFlowHeaderLine(line)) return 'vpcflow';
  if (!isPrintable(line)) return 'unknown';
  if (options.flowFormatGiven) return 'vpcflow';
  return looksLikeDefaultFlowRecord(line) ? 'vpcflow' : 'unknown';
}

function isPrintable(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** `2 123456789012 eni-… …`: a version number, then as many columns as the default format has. */
function looksLikeDefaultFlowRecord(line: string): boolean {
  const tokens = line.trim().split(/ +/);
  return tokens.length === DEFAULT_FLOW_LAYOUT.columns.length && /^\d{1,3}$/.test(tokens[0]!) && (tokens[2] === '-' || tokens[2]!.startsWith('eni-'));
}
