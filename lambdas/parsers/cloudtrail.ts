/**
 * CloudTrail records, bare or wrapped in an EventBridge envelope, to {@link ApiCallEvent}s.
 *
 * Only `eventVersion` (major 1), `eventTime`, `eventSource`, `eventName` and `eventID` are required, as AWS
 * documents; every other field is optional, but a field that is present with the wrong JSON type makes the
 * record invalid (CloudTrail's types are stable, so a mistyped field means the record is not what it claims).
 * Unknown fields are ignored and stay available in `raw`.
 */
import type { ApiCallEvent, CallerIdentity, EventOrigin } from '../engine/events';
import type { ParseResult } from '../engine/issues';
import { RecordShapeError } from './errors';
import { excerptOfValue } from './excerpt';
import {
  isJsonObject,
  jsonTypeOf,
  optionalBoolean,
  optionalObject,
  optionalObjectOrNull,
  optionalString,
  requiredString,
  requiredTime,
  type JsonObject,
} from './json-fields';
import { eventResult, issueResult } from './results';

/**
 * `eventType` values in their canonical spelling, keyed by lower case: AWS itself logs both
 * `AwsConsoleSignIn` and `AwsConsoleSignin`, so detectors compare against the canonical form only.
 */
const CANONICAL_EVENT_TYPES: ReadonlyMap<string, string> = new Map(
  ['AwsApiCall', 'AwsServiceEvent', 'AwsConsoleSignIn', 'AwsConsoleAction', 'AwsVpceEvent', 'AwsCloudTrailInsight'].map(
    (t) => [t.toLowerCase(), t],
  ),
);

/**
 * EventBridge `detail-type`s whose `detail` is a CloudTrail record, normalised by {@link detailTypeKey}
 * (AWS spells the sign-in one both "Signin" and "Sign In").
 */
const CLOUDTRAIL_DETAIL_TYPES: ReadonlySet<string> = new Set(
  ['AWS API Call via CloudTrail', 'AWS Console Sign In via CloudTrail', 'AWS Console Action via CloudTrail', 'AWS Service Event via CloudTrail'].map(
    detailTypeKey,
  ),
);

function detailTypeKey(detailType: string): string {
  return detailType.replace(/\s+/g, '').toLowerCase();
}

/** Values the envelope around a record can supply when the record itself lacks them. */
interface EnvelopeDefaults {
  readonly accountId?: string;
  readonly region?: string;
}

/**
 * Parses one CloudTrail record object (an element of a log file's `Records` array, or a CloudWatch Logs
 * message) into an {@link ApiCallEvent}. Never throws: a record that does not fit becomes an
 * `invalid-record` issue naming the field.
 *
 * `accountId` is `recipientAccountId`, else `userIdentity.accountId`, else `''`; `region` is `awsRegion` or
 * `''` (the engine's scope fills in either when empty). `identity.userName` falls back to the session
 * issuer's name for assumed roles; `identity.mfaAuthenticated` reads the string `"true"`/`"false"`.
 *
 * @example
 * const result = parseCloudTrailRecord(JSON.parse(line), { input: 'trail.json', index: 0 });
 * if (result.ok) console.log(result.event.eventName, result.event.identity.userName);
 */
export function parseCloudTrailRecord(value: unknown, origin: EventOrigin): ParseResult<ApiCallEvent> {
  return parseRecord(value, origin, undefined);
}

/**
 * Parses an EventBridge event that carries a CloudTrail record in `detail` ("AWS API Call via CloudTrail",
 * "AWS Console Sign In via CloudTrail" / "Signin", "AWS Console Action via CloudTrail", "AWS Service Event
 * via CloudTrail"). The envelope's `account` and `region` stand in for fields the record lacks. Other
 * detail-types become `invalid-record` issues.
 *
 * @example
 * // In a Lambda target of an EventBridge rule:
 * const result = parseEventBridgeCloudTrail(event, { input: `eventbridge:${event.id}` });
 */
export function parseEventBridgeCloudTrail(envelope: unknown, origin: EventOrigin): ParseResult<ApiCallEvent> {
  if (!isJsonObject(envelope)) {
    return invalid(`an EventBridge event must be a JSON object, got ${jsonTypeOf(envelope)}`, origin, envelope);
  }
  const detailType = envelope['detail-type'];
  if (typeof detailType !== 'string') {
    return invalid(`detail-type must be a string, got ${jsonTypeOf(detailType)}`, origin, envelope);
  }
  if (!CLOUDTRAIL_DETAIL_TYPES.has(detailTypeKey(detailType))) {
    return invalid(`detail-type ${JSON.stringify(detailType.slice(0, 80))} does not carry a CloudTrail record`, origin, envelope);
  }
  const defaults: EnvelopeDefaults = {
    accountId: typeof envelope.account === 'string' ? envelope.account : undefined,
    region: typeof envelope.region === 'string' ? envelope.region : undefined,
  };
  return parseRecord(envelope.detail, origin, defaults, 'detail.');
}

function parseRecord(value: unknown, origin: EventOrigin, defaults: EnvelopeDefaults | undefined, pathPrefix = ''): ParseResult<ApiCallEvent> {
  if (!isJsonObject(value)) {
    const what = pathPrefix === '' ? 'a CloudTrail record' : `${pathPrefix.slice(0, -1)} (the CloudTrail record)`;
    return invalid(`${what} must be a JSON object, got ${jsonTypeOf(value)}`, origin, value);
  }
  try {
    return eventResult(toApiCallEvent(value, origin, defaults));
  } catch (error) {
    const message = error instanceof RecordShapeError ? `${pathPrefix}${error.message}` : `record could not be read: ${String(error)}`;
    return invalid(message, origin, value);
  }
}

function invalid(message: string, origin: EventOrigin, value: unknown): ParseResult<ApiCallEvent> {
  return issueResult('invalid-record', message, origin, 'cloudtrail', excerptOfValue(value));
}

function toApiCallEvent(record: JsonObject, origin: EventOrigin, defaults: EnvelopeDefaults | undefined): ApiCallEvent {
  checkEventVersion(requiredString(record, 'eventVersion'));
  const time = requiredTime(record, 'eventTime');
  const eventSource = requiredString(record, 'eventSource');
  const eventName = requiredString(record, 'eventName');
  const eventId = requiredString(record, 'eventID');
  const eventType = optionalString(record, 'eventType');
  const identity = toCallerIdentity(optionalObject(record, 'userIdentity'));
  const accountId = optionalString(record, 'recipientAccountId') ?? identity.accountId ?? defaults?.accountId ?? '';
  return {
    source: 'cloudtrail',
    time,
    eventId,
    eventName,
    eventSource,
    eventType: eventType === undefined ? undefined : (CANONICAL_EVENT_TYPES.get(eventType.toLowerCase()) ?? eventType),
    region: optionalString(record, 'awsRegion') ?? defaults?.region ?? '',
    accountId,
    sourceIp: optionalString(record, 'sourceIPAddress'),
    userAgent: optionalString(record, 'userAgent'),
    errorCode: optionalString(record, 'errorCode'),
    errorMessage: optionalString(record, 'errorMessage'),
    readOnly: optionalBoolean(record, 'readOnly'),
    identity,
    requestParameters: optionalObjectOrNull(record, 'requestParameters'),
    responseElements: optionalObjectOrNull(record, 'responseElements'),
    additionalEventData: optionalObject(record, 'additionalEventData'),
    raw: record,
    origin,
  };
}

/** AWS: "check the major version for equality"; minor versions only add fields. */
function checkEventVersion(version: string): void {
  const dot = version.indexOf('.');
  const major = dot === -1 ? version : version.slice(0, dot);
  if (major !== '1') throw new RecordShapeError('eventVersion', `eventVersion ${JSON.stringify(version.slice(0, 20))} is not a version 1.x record`);
}

const UNKNOWN_IDENTITY: CallerIdentity = { type: 'Unknown' };

function toCallerIdentity(identity: JsonObject | undefined): CallerIdentity {
  if (identity === undefined) return UNKNOWN_IDENTITY;
  const sessionContext = optionalObject(identity, 'sessionContext', 'userIdentity.sessionContext');
  const attributes = sessionContext && optionalObject(sessionContext, 'attributes', 'userIdentity.sessionContext.attributes');
  const issuer = sessionContext && optionalObject(sessionContext, 'sessionIssuer', 'userIdentity.sessionContext.sessionIssuer');
  const accessKeyId = optionalString(identity, 'accessKeyId', 'userIdentity.accessKeyId');
  return {
    type: optionalString(identity, 'type', 'userIdentity.type') ?? 'Unknown',
    principalId: optionalString(identity, 'principalId', 'userIdentity.principalId'),
    arn: optionalString(identity, 'arn', 'userIdentity.arn'),
    accountId: optionalString(identity, 'accountId', 'userIdentity.accountId'),
    // CloudTrail logs "" when no key was used (console sessions); that is no key, not a key named "".
    accessKeyId: accessKeyId === '' ? undefined : accessKeyId,
    userName:
      optionalString(identity, 'userName', 'userIdentity.userName') ??
      (issuer && optionalString(issuer, 'userName', 'userIdentity.sessionContext.sessionIssuer.userName')),
    invokedBy: optionalString(identity, 'invokedBy', 'userIdentity.invokedBy'),
    mfaAuthenticated: attributes && readMfaFlag(attributes.mfaAuthenticated),
  };
}

/** `mfaAuthenticated` is the string "true"/"false"; a real boolean is accepted too, anything else ignored. */
function readMfaFlag(value: unknown): boolean | undefined {
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  return undefined;
}
