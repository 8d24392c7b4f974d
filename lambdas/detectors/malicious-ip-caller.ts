/**
 * API calls from an address on one of your threat lists (GuardDuty's ThreatIntelSet, `--threat-list`).
 *
 * - `Recon:IAMUser/MaliciousIPCaller.Custom` for read-only calls (List, Describe, Get…): the caller is
 *   looking around;
 * - `UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom` for everything else: the caller is acting.
 *
 * The list's name goes into `service.additionalInfo.threatListName` and the evidence, as in GuardDuty.
 */
import { defineDetector, type DetectorCase } from '../engine/detector';
import type { ApiCallEvent } from '../engine/events';
import { SEVERITY } from '../engine/finding';
import { CUSTOM_CATEGORY, type IntelMatch } from '../intel/types';
import { apiCallObservation, callerIp, principalLabel } from './common/cloudtrail';
import { apiCall } from './common/fixtures';

export const RECON_TYPE = 'Recon:IAMUser/MaliciousIPCaller.Custom';
export const UNAUTHORIZED_TYPE = 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom';

const READ_PREFIXES = ['List', 'Describe', 'Get', 'Lookup', 'Search', 'Scan', 'BatchGet'];

function isReconCall(event: ApiCallEvent): boolean {
  if (event.readOnly !== undefined) return event.readOnly;
  return READ_PREFIXES.some((prefix) => event.eventName.startsWith(prefix));
}

/** The custom threat lists among the matches, in a stable order. */
export function customThreatMatches(matches: readonly IntelMatch[]): IntelMatch[] {
  return matches.filter((m) => m.kind === 'threat' && m.category === CUSTOM_CATEGORY).sort((a, b) => a.listName.localeCompare(b.listName));
}

/** `additionalInfo` and `evidence` naming the lists an indicator was found on. */
export function threatIntelligence(matches: readonly IntelMatch[], threatName?: string) {
  const first = matches[0]!;
  return {
    additionalInfo: { threatListName: first.listName, ...(threatName ? { threatName } : {}) },
    evidence: {
      threatIntelligenceDetails: matches.map((m) => ({
        threatListName: m.listName,
        threatNames: [threatName ?? m.entry],
        ...(m.fileSha256 ? { threatFileSha256: m.fileSha256 } : {}),
      })),
    },
  };
}

const LIST = [{ name: 'known-bad', category: CUSTOM_CATEGORY, kind: 'threat' as const, entries: ['203.0.113.0/24', '2001:db8:bad::/48'] }];

const cases: DetectorCase<'cloudtrail'>[] = [
  {
    name: 'a listed address enumerates EC2 instances',
    intel: LIST,
    events: [apiCall({ eventName: 'DescribeInstances', readOnly: true, sourceIp: '203.0.113.50' })],
    expect: [RECON_TYPE],
  },
  {
    name: 'a listed IPv6 address creates an access key',
    intel: LIST,
    events: [apiCall({ eventName: 'CreateAccessKey', eventSource: 'iam.amazonaws.com', readOnly: false, sourceIp: '2001:db8:bad::7' })],
    expect: [UNAUTHORIZED_TYPE],
  },
  {
    name: 'near miss: the neighbouring address outside the listed CIDR',
    intel: LIST,
    events: [apiCall({ eventName: 'CreateAccessKey', readOnly: false, sourceIp: '203.0.114.1' })],
    expect: [],
  },
  {
    name: 'benign: service-originated calls carry a service name, not an address',
    intel: LIST,
    events: [apiCall({ eventName: 'AssumeRole', sourceIp: 'ec2.amazonaws.com' }), apiCall({ eventName: 'Decrypt', sourceIp: 'AWS Internal' })],
    expect: [],
  },
];

export default defineDetector({
  source: 'cloudtrail',
  meta: {
    id: 'iam-malicious-ip-caller',
    title: 'API calls from an address on a custom threat list',
    findingTypes: [
      { type: RECON_TYPE, severity: 'Medium', resourceType: 'AccessKey', description: 'A read-only API was called from an IP address on a custom threat list.' },
      { type: UNAUTHORIZED_TYPE, severity: 'Medium', resourceType: 'AccessKey', description: 'An API was called from an IP address on a custom threat list.' },
    ],
    mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
    runbook: 'Treat the principal\'s credentials as compromised: rotate its keys, review what it did from that address.',
    intelCategories: [CUSTOM_CATEGORY],
  },
  onEvent(event, ctx) {
    const ip = callerIp(event);
    if (ip === undefined) return;
    const raw = ctx.intel.matchIp(ip);
    if (raw.length === 0) return;
    const matches = customThreatMatches(raw);
    if (matches.length === 0) return;
    const recon = isReconCall(event);
    ctx.emit(
      apiCallObservation(event, {
        type: recon ? RECON_TYPE : UNAUTHORIZED_TYPE,
        severity: SEVERITY.Medium,
        title: `API ${event.eventName} was invoked from an IP address on a custom threat list.`,
        description: `${principalLabel(event)} called ${event.eventName} (${event.eventSource}) from ${ip}, which is on threat list ${matches[0]!.listName}.`,
        ...threatIntelligence(matches),
      }),
    );
  },
  cases,
});
