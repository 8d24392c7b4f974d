/**
 * Typed reads of fields from parsed JSON records.
 *
 * Each reader returns the field's value when it has the expected type, `undefined` when an optional field is
 * absent (or JSON `null`), and throws {@link RecordShapeError} otherwise. Record parsers call several readers
 * in a row and catch once, which keeps the happy path free of result objects.
 */
import { RecordShapeError } from './errors';

export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type name of a value, for messages: `string`, `number`, `object`, `array`, `null`, … */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(path: string, expected: string, value: unknown): RecordShapeError {
  return new RecordShapeError(path, `${path} must be ${expected}, got ${jsonTypeOf(value)}`);
}

/** A string field that must be present and non-empty. */
export function requiredString(record: JsonObject, key: string, path = key): string {
  const value = record[key];
  if (typeof value !== 'string') {
    if (value === undefined) throw new RecordShapeError(path, `${path} is missing`);
    throw wrongType(path, 'a string', value);
  }
  if (value.length === 0) throw new RecordShapeError(path, `${path} is empty`);
  return value;
}

/** A string field that must be present; unlike {@link requiredString} it may be empty. */
export function presentString(record: JsonObject, key: string, path = key): string {
  const value = record[key];
  if (typeof value === 'string') return value;
  if (value === undefined) throw new RecordShapeError(path, `${path} is missing`);
  throw wrongType(path, 'a string', value);
}

/** A string field that may be absent or null. */
export function optionalString(record: JsonObject, key: string, path = key): string | undefined {
  const value = record[key];
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return undefined;
  throw wrongType(path, 'a string', value);
}

/** A boolean field that may be absent or null. */
export function optionalBoolean(record: JsonObject, key: string, path = key): boolean | undefined {
  const value = record[key];
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null) return undefined;
  throw wrongType(path, 'a boolean', value);
}

/** An object field that may be absent or null (both read as `undefined`). */
export function optionalObject(record: JsonObject, key: string, path = key): JsonObject | undefined {
  const value = record[key];
  if (isJsonObject(value)) return value;
  if (value === undefined || value === null) return undefined;
  throw wrongType(path, 'an object', value);
}

/**
 * An object field where `null` is meaningful and kept (CloudTrail `requestParameters` is `null` for calls
 * without parameters, which differs from the field being absent).
 */
export function optionalObjectOrNull(record: JsonObject, key: string, path = key): JsonObject | null | undefined {
  const value = record[key];
  if (value === null || value === undefined || isJsonObject(value)) return value;
  throw wrongType(path, 'an object or null', value);
}

/** An array field that may be absent or null (read as `undefined`). */
export function optionalArray(record: JsonObject, key: string, path = key): readonly unknown[] | undefined {
  const value = record[key];
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return undefined;
  throw wrongType(path, 'an array', value);
}

/**
 * ISO-8601 date-time in extended form with a zone, as CloudTrail and Route 53 Resolver write it. Checked
 * before `Date.parse`, which would otherwise also accept strings such as `"1"` or `"May 5"`.
 */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * An ISO-8601 timestamp field, required, as epoch milliseconds.
 *
 * @example
 * requiredTime({ eventTime: '2025-01-01T00:00:00Z' }, 'eventTime') // 1735689600000
 */
export function requiredTime(record: JsonObject, key: string, path = key): number {
  const text = requiredString(record, key, path);
  const ms = ISO_TIMESTAMP.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new RecordShapeError(path, `${path} is not a timestamp: ${JSON.stringify(text.slice(0, 40))}`);
  return ms;
}
