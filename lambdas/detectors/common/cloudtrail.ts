/**
 * Shared vocabulary of the CloudTrail detectors: the AccessKey resource and the AWS_API_CALL action.
 */
import type { ApiCallEvent } from '../../engine/events';
import type { Observation } from '../../engine/detector';
import type { FindingAction, FindingResource } from '../../engine/finding';
import { ipVersion } from '../../intel/ip';

/** The caller address when `sourceIPAddress` is an IP (it can also be a service name or `AWS Internal`). */
export function callerIp(event: ApiCallEvent): string | undefined {
  const ip = event.sourceIp;
  return ip !== undefined && ipVersion(ip) !== undefined ? ip : undefined;
}

/** Aggregation key of IAM findings: the principal (one finding per user or role, whatever key it used). */
export function principalKey(event: ApiCallEvent): string {
  const id = event.identity;
  return id.arn ?? id.principalId ?? id.accessKeyId ?? `${id.type}:${event.accountId}`;
}

export function accessKeyResource(event: ApiCallEvent): FindingResource {
  const id = event.identity;
  return {
    resourceType: 'AccessKey',
    accessKeyDetails: {
      ...(id.accessKeyId ? { accessKeyId: id.accessKeyId } : {}),
      ...(id.principalId ? { principalId: id.principalId } : {}),
      ...(id.userName ? { userName: id.userName } : id.type === 'Root' ? { userName: 'Root' } : {}),
      userType: id.type,
    },
  };
}

export function apiCallAction(event: ApiCallEvent): FindingAction {
  const ip = callerIp(event);
  return {
    actionType: 'AWS_API_CALL',
    awsApiCallAction: {
      api: event.eventName,
      serviceName: event.eventSource,
      callerType: ip ? 'Remote IP' : 'Domain',
      ...(event.userAgent ? { userAgent: event.userAgent } : {}),
      ...(event.errorCode ? { errorCode: event.errorCode } : {}),
      ...(ip
        ? { remoteIpDetails: ip.includes(':') ? { ipAddressV6: ip } : { ipAddressV4: ip } }
        : event.sourceIp
          ? { domainDetails: { domain: event.sourceIp } }
          : {}),
    },
  };
}

/** "alice", "role app-role", "root": how a principal is named in a title. */
export function principalLabel(event: ApiCallEvent): string {
  const id = event.identity;
  if (id.type === 'Root') return 'the root user';
  if (id.type === 'AssumedRole') return `role ${id.userName ?? id.arn ?? id.principalId ?? 'unknown'}`;
  return `${id.type} ${id.userName ?? id.arn ?? id.principalId ?? 'unknown'}`;
}

/** What differs between the findings of one API call: the rest comes from the call itself. */
export type ApiCallFindingDetails = Pick<Observation, 'type' | 'severity' | 'title' | 'description'> & Partial<Pick<Observation, 'additionalInfo' | 'evidence'>>;

/**
 * The observation of one API call: the principal as the TARGET AccessKey resource, the call as the
 * AWS_API_CALL action, the caller's address as the remote party, one occurrence at the call's time.
 */
export function apiCallObservation(event: ApiCallEvent, details: ApiCallFindingDetails): Observation {
  const ip = callerIp(event);
  return {
    resourceRole: 'TARGET',
    resource: accessKeyResource(event),
    resourceKey: principalKey(event),
    accountId: event.accountId,
    region: event.region,
    action: apiCallAction(event),
    firstSeen: event.time,
    lastSeen: event.time,
    count: 1,
    ...(ip ? { remoteIp: ip } : {}),
    ...details,
  };
}
