/**
 * Stealth:IAMUser/CloudTrailLoggingDisabled: a trail was stopped, deleted or changed.
 *
 * Turning off the audit log is what an intruder does before the rest. Only successful calls count: a
 * refused StopLogging is an attempt, and CloudTrail records it with an `errorCode`.
 */
import { defineDetector, type DetectorCase } from '../engine/detector';
import { SEVERITY } from '../engine/finding';
import { apiCallObservation, principalLabel } from './common/cloudtrail';
import { apiCall } from './common/fixtures';

const TYPE = 'Stealth:IAMUser/CloudTrailLoggingDisabled';
const TRAIL_CHANGES = new Set(['StopLogging', 'DeleteTrail', 'UpdateTrail']);

function trailName(parameters: Record<string, unknown> | null | undefined): string | undefined {
  const name = parameters?.name ?? parameters?.Name;
  return typeof name === 'string' ? name : undefined;
}

const cases: DetectorCase<'cloudtrail'>[] = [
  {
    name: 'a user stops the organization trail',
    events: [apiCall({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', readOnly: false, requestParameters: { name: 'org-trail' } })],
    expect: [TYPE],
  },
  {
    name: 'a role deletes a trail',
    events: [apiCall({ eventName: 'DeleteTrail', eventSource: 'cloudtrail.amazonaws.com', identity: { type: 'AssumedRole', userName: 'ops' }, requestParameters: { name: 'main' } })],
    expect: [TYPE],
  },
  {
    name: 'near miss: StopLogging refused with AccessDenied',
    events: [apiCall({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', errorCode: 'AccessDenied', requestParameters: { name: 'org-trail' } })],
    expect: [],
  },
  {
    name: 'benign: starting logging and reading trail status',
    events: [
      apiCall({ eventName: 'StartLogging', eventSource: 'cloudtrail.amazonaws.com' }),
      apiCall({ eventName: 'GetTrailStatus', eventSource: 'cloudtrail.amazonaws.com' }),
      apiCall({ eventName: 'StopLogging', eventSource: 'example.amazonaws.com' }),
    ],
    expect: [],
  },
];

export default defineDetector({
  source: 'cloudtrail',
  meta: {
    id: 'cloudtrail-logging-disabled',
    title: 'CloudTrail logging disabled',
    findingTypes: [
      { type: TYPE, severity: 'Low', resourceType: 'AccessKey', description: 'A CloudTrail trail was disabled, deleted or updated.' },
    ],
    mitre: { tactic: 'Defense Evasion', technique: 'T1562.008 Impair Defenses: Disable or Modify Cloud Logs' },
    runbook: 'Check that the change was planned; if not, restart logging (StartLogging) and treat the principal as compromised.',
  },
  onEvent(event, ctx) {
    if (event.eventSource !== 'cloudtrail.amazonaws.com' || !TRAIL_CHANGES.has(event.eventName) || event.errorCode) return;
    const trail = trailName(event.requestParameters);
    ctx.emit(
      apiCallObservation(event, {
        type: TYPE,
        severity: SEVERITY.Low,
        title: `AWS CloudTrail trail ${trail ?? ''} was changed by ${principalLabel(event)}.`.replace('  ', ' '),
        description: `${principalLabel(event)} called ${event.eventName}${trail ? ` on trail ${trail}` : ''}, which stops or alters CloudTrail logging.`,
        ...(trail ? { additionalInfo: { trailName: trail } } : {}),
      }),
    );
  },
  cases,
});
