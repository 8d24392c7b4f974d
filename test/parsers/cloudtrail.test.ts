import { parseCloudTrailRecord, parseEventBridgeCloudTrail } from '../../lambdas/parsers';
import type { ApiCallEvent } from '../../lambdas/engine/events';
import type { ParseResult } from '../../lambdas/engine/issues';
import { fixture } from './helpers';

type Json = Record<string, any>;
const RECORDS = JSON.parse(fixture('cloudtrail/records.json').toString('utf8')) as Json[];
const EVENTBRIDGE = fixture('envelopes/eventbridge-cloudtrail.jsonl')
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Json);
const origin = { input: 'test.json', index: 0 };

function record(i: number): Json {
  return structuredClone(RECORDS[i]!);
}

function eventOf(result: ParseResult<ApiCallEvent>): ApiCallEvent {
  if (!result.ok) throw new Error(`expected an event, got ${result.issue.reason}: ${result.issue.message}`);
  return result.event;
}

function issueOf(result: ParseResult<ApiCallEvent>) {
  if (result.ok) throw new Error(`expected an issue, got event ${result.event.eventName}`);
  return result.issue;
}

describe('parseCloudTrailRecord', () => {
  it('maps a failed ConsoleLogin of an IAM user to an event with the caller, time and outcome', () => {
    const event = eventOf(parseCloudTrailRecord(record(0), origin));
    expect(event).toMatchObject({
      source: 'cloudtrail',
      time: Date.parse('2025-01-01T08:00:00Z'),
      eventId: '00000000-0000-4000-8000-000000000001',
      eventName: 'ConsoleLogin',
      eventSource: 'signin.amazonaws.com',
      eventType: 'AwsConsoleSignIn',
      region: 'us-east-1',
      accountId: '111122223333',
      sourceIp: '198.51.100.7',
      errorMessage: 'Failed authentication',
      readOnly: false,
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Failure' },
      additionalEventData: { MFAUsed: 'No' },
      identity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice', principalId: 'AIDAEXAMPLEEXAMPLE01' },
      origin,
    });
    expect(event.raw).toEqual(RECORDS[0]);
  });

  it('canonicalises the eventType casing AWS varies (AwsConsoleSignin → AwsConsoleSignIn)', () => {
    expect(eventOf(parseCloudTrailRecord(record(1), origin)).eventType).toBe('AwsConsoleSignIn');
    const odd = { ...record(2), eventType: 'AWSAPICALL' };
    expect(eventOf(parseCloudTrailRecord(odd, origin)).eventType).toBe('AwsApiCall');
  });

  it('keeps an eventType it does not know as logged', () => {
    expect(eventOf(parseCloudTrailRecord({ ...record(2), eventType: 'AwsFutureEvent' }, origin)).eventType).toBe('AwsFutureEvent');
  });

  it('reads an empty accessKeyId as no key', () => {
    expect(eventOf(parseCloudTrailRecord(record(1), origin)).identity.accessKeyId).toBeUndefined();
  });

  it('takes an assumed role name from the session issuer and reads mfaAuthenticated as a boolean', () => {
    const withoutMfa = eventOf(parseCloudTrailRecord(record(2), origin));
    expect(withoutMfa.identity).toMatchObject({ type: 'AssumedRole', userName: 'Admin', accessKeyId: 'ASIAEXAMPLEEXAMPLE01', mfaAuthenticated: false });
    const withMfa = eventOf(parseCloudTrailRecord(record(6), origin));
    expect(withMfa.identity).toMatchObject({ userName: 'OpsAdmin', mfaAuthenticated: true });
  });

  it('prefers a userName on the identity over the session issuer', () => {
    const r = record(2);
    r.userIdentity.userName = 'explicit';
    expect(eventOf(parseCloudTrailRecord(r, origin)).identity.userName).toBe('explicit');
  });

  it('keeps a service DNS name or "AWS Internal" as the source address, and IPv6 as logged', () => {
    expect(eventOf(parseCloudTrailRecord(record(3), origin)).sourceIp).toBe('ec2.amazonaws.com');
    expect(eventOf(parseCloudTrailRecord(record(4), origin)).sourceIp).toBe('AWS Internal');
    expect(eventOf(parseCloudTrailRecord(record(5), origin)).sourceIp).toBe('2001:db8:85a3::8a2e:370:7334');
  });

  it('reads an AWS service identity without an account from recipientAccountId', () => {
    const event = eventOf(parseCloudTrailRecord(record(3), origin));
    expect(event.identity).toEqual({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' });
    expect(event.accountId).toBe('111122223333');
  });

  it('falls back to userIdentity.accountId when recipientAccountId is absent (eventVersion 1.05)', () => {
    const event = eventOf(parseCloudTrailRecord(record(7), origin));
    expect(event.accountId).toBe('444455556666');
    expect(event.errorCode).toBe('AccessDenied');
    expect(event.readOnly).toBeUndefined();
  });

  it('leaves account and region empty when the record names neither', () => {
    const r = record(3);
    delete r.recipientAccountId;
    delete r.awsRegion;
    const event = eventOf(parseCloudTrailRecord(r, origin));
    expect(event.accountId).toBe('');
    expect(event.region).toBe('');
  });

  it('reads a record without userIdentity as an Unknown caller', () => {
    const r = record(0);
    delete r.userIdentity;
    expect(eventOf(parseCloudTrailRecord(r, origin)).identity).toEqual({ type: 'Unknown' });
  });

  it('accepts any minor version of major version 1 and ignores unknown fields', () => {
    const event = eventOf(parseCloudTrailRecord({ ...record(0), eventVersion: '1.99', brandNewField: { x: 1 } }, origin));
    expect(event.raw.brandNewField).toEqual({ x: 1 });
  });

  it.each([
    ['eventVersion', 'eventVersion is missing'],
    ['eventTime', 'eventTime is missing'],
    ['eventSource', 'eventSource is missing'],
    ['eventName', 'eventName is missing'],
    ['eventID', 'eventID is missing'],
  ])('rejects a record without %s as invalid-record', (field, message) => {
    const r = record(0);
    delete r[field];
    const issue = issueOf(parseCloudTrailRecord(r, origin));
    expect(issue).toMatchObject({ reason: 'invalid-record', source: 'cloudtrail', origin, message });
    expect(issue.excerpt).toMatch(/^\{"[a-zA-Z]+":/);
    expect(issue.excerpt!.length).toBeLessThanOrEqual(201);
  });

  it('rejects a record of another major version', () => {
    expect(issueOf(parseCloudTrailRecord({ ...record(0), eventVersion: '2.0' }, origin)).message).toMatch(/not a version 1\.x record/);
  });

  it('rejects an eventTime that is not an ISO-8601 timestamp', () => {
    expect(issueOf(parseCloudTrailRecord({ ...record(0), eventTime: '1' }, origin)).message).toMatch(/eventTime is not a timestamp/);
    expect(issueOf(parseCloudTrailRecord({ ...record(0), eventTime: '2025-13-01T00:00:00Z' }, origin)).reason).toBe('invalid-record');
  });

  it.each([
    ['eventVersion', 1.08],
    ['eventName', 42],
    ['sourceIPAddress', ['198.51.100.7']],
    ['readOnly', 'false'],
    ['requestParameters', 'x=1'],
    ['additionalEventData', []],
    ['userIdentity', 'alice'],
  ])('rejects a record whose %s has the wrong type, naming the field', (field, value) => {
    const issue = issueOf(parseCloudTrailRecord({ ...record(0), [field]: value }, origin));
    expect(issue.reason).toBe('invalid-record');
    expect(issue.message).toContain(field);
  });

  it('names the nested field when a userIdentity member has the wrong type', () => {
    const r = record(2);
    r.userIdentity.sessionContext.sessionIssuer.userName = 7;
    expect(issueOf(parseCloudTrailRecord(r, origin)).message).toBe('userIdentity.sessionContext.sessionIssuer.userName must be a string, got number');
  });

  it.each([null, 'text', 12, [], undefined])('turns a non-object (%p) into invalid-record instead of throwing', (value) => {
    expect(issueOf(parseCloudTrailRecord(value, origin)).reason).toBe('invalid-record');
  });
});

describe('parseEventBridgeCloudTrail', () => {
  it.each([
    [0, 'AWS Console Sign In via CloudTrail', 'ConsoleLogin'],
    [1, 'AWS Console Signin via CloudTrail', 'ConsoleLogin'],
    [2, 'AWS API Call via CloudTrail', 'StopLogging'],
    [3, 'AWS Service Event via CloudTrail', 'GetAccountSummary'],
    [4, 'AWS Console Action via CloudTrail', 'ConsoleAction'],
  ])('unwraps the CloudTrail record of envelope %i (%s)', (i, detailType, eventName) => {
    expect(EVENTBRIDGE[i]!['detail-type']).toBe(detailType);
    const event = eventOf(parseEventBridgeCloudTrail(EVENTBRIDGE[i], origin));
    expect(event.eventName).toBe(eventName);
    expect(event.raw).toEqual(EVENTBRIDGE[i]!.detail);
  });

  it('matches detail-types regardless of case and spacing', () => {
    const envelope = { ...EVENTBRIDGE[0]!, 'detail-type': 'aws console  signin via cloudtrail' };
    expect(parseEventBridgeCloudTrail(envelope, origin).ok).toBe(true);
  });

  it('fills account and region from the envelope when the record lacks them', () => {
    const envelope = structuredClone(EVENTBRIDGE[2]!);
    delete envelope.detail.recipientAccountId;
    delete envelope.detail.userIdentity.accountId;
    delete envelope.detail.awsRegion;
    envelope.account = '777788889999';
    envelope.region = 'ap-south-1';
    const event = eventOf(parseEventBridgeCloudTrail(envelope, origin));
    expect(event.accountId).toBe('777788889999');
    expect(event.region).toBe('ap-south-1');
  });

  it('rejects detail-types that carry no CloudTrail record, such as Insight events', () => {
    const issue = issueOf(parseEventBridgeCloudTrail(EVENTBRIDGE[5], origin));
    expect(issue.reason).toBe('invalid-record');
    expect(issue.message).toContain('AWS Insight via CloudTrail');
  });

  it('reports problems inside detail with the detail. prefix', () => {
    const envelope = structuredClone(EVENTBRIDGE[0]!);
    delete envelope.detail.eventID;
    expect(issueOf(parseEventBridgeCloudTrail(envelope, origin)).message).toBe('detail.eventID is missing');
  });

  it.each([
    [{ 'detail-type': 'AWS API Call via CloudTrail' }, /detail \(the CloudTrail record\) must be a JSON object, got undefined/],
    [{ 'detail-type': 7, detail: {} }, /detail-type must be a string/],
    ['not an envelope', /must be a JSON object/],
  ])('turns a malformed envelope into invalid-record', (envelope, message) => {
    expect(issueOf(parseEventBridgeCloudTrail(envelope, origin)).message).toMatch(message);
  });
});
