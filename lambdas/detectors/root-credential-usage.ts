/**
 * Policy:IAMUser/RootCredentialUsage: a request made with the root user's credentials.
 *
 * AWS's guidance is to lock the root user away; any use of it is worth a look. Calls that an AWS service
 * makes on the root user's behalf (`invokedBy` set, or `AwsServiceEvent` records) are not the root user
 * acting, so they stay quiet.
 */
import { defineDetector, type DetectorCase } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import type { ApiCallEvent } from '../engine/events';
import { apiCallObservation, callerIp } from './common/cloudtrail';
import { apiCall } from './common/fixtures';

const TYPE = 'Policy:IAMUser/RootCredentialUsage';

function isRootActing(event: ApiCallEvent): boolean {
  return (
    event.identity.type === 'Root' &&
    event.identity.invokedBy === undefined &&
    (event.eventType ?? '').toLowerCase() !== 'awsserviceevent'
  );
}

const cases: DetectorCase<'cloudtrail'>[] = [
  {
    name: 'root user lists buckets from the CLI',
    events: [apiCall({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', identity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', principalId: '111122223333' } })],
    expect: [TYPE],
  },
  {
    name: 'root console sign-in',
    events: [apiCall({ eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', eventType: 'AwsConsoleSignIn', identity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root' } })],
    expect: [TYPE],
  },
  {
    name: 'near miss: a service acting for the root user',
    events: [apiCall({ eventName: 'Decrypt', eventSource: 'kms.amazonaws.com', identity: { type: 'Root', arn: 'arn:aws:iam::111122223333:root', invokedBy: 'cloudtrail.amazonaws.com' } })],
    expect: [],
  },
  {
    name: 'benign: an IAM user and an assumed role at work',
    events: [
      apiCall({ eventName: 'ListBuckets', identity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' } }),
      apiCall({ eventName: 'PutObject', identity: { type: 'AssumedRole', userName: 'app', arn: 'arn:aws:sts::111122223333:assumed-role/app/i-0abc' } }),
    ],
    expect: [],
  },
];

export default defineDetector({
  source: 'cloudtrail',
  meta: {
    id: 'root-credential-usage',
    title: 'Root credential usage',
    findingTypes: [
      { type: TYPE, severity: 'Low', resourceType: 'AccessKey', description: 'An API was invoked using root user sign-in credentials.' },
    ],
    mitre: { tactic: 'Privilege Escalation', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
    runbook: 'Confirm who holds the root credentials and why they were used; enable MFA on root and use IAM roles instead.',
  },
  onEvent(event, ctx) {
    if (!isRootActing(event)) return;
    const ip = callerIp(event);
    ctx.emit(
      apiCallObservation(event, {
        type: TYPE,
        severity: SEVERITY.Low,
        title: `API ${event.eventName} was invoked using root credentials.`,
        description: `API ${event.eventName}, commonly used in ${event.eventSource}, was invoked using root credentials${ip ? ` from IP address ${ip}` : ''}.`,
      }),
    );
  },
  cases,
});
