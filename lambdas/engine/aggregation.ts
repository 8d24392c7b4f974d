/**
 * From observations to findings: stable ids, the GuardDuty shape, and aggregation of repeated activity.
 *
 * GuardDuty folds repeated activity that is "the same security issue" into one finding: same id, higher
 * `service.count`, later `eventLastSeen`/`updatedAt`, and the action of the latest occurrence. Vigil's
 * aggregation key is (account, region, type, resource role, resource key), so SSH brute force against one
 * instance is one finding whichever address attacks it, and the instance's own outbound brute force is
 * another.
 *
 * Every timestamp is event time. `createdAt` is the event time of the earliest occurrence that raised the
 * finding and `updatedAt` of the latest, so the result does not depend on the order inputs are read in.
 */
import { createHash } from 'node:crypto';
import type { Observation } from './detector';
import { SCHEMA_VERSION, SERVICE_NAME, type Finding } from './finding';
import type { StoredFinding } from './ports';

export interface FindingScope {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
}

/** 32 hex characters, like GuardDuty's ids; the same inputs always give the same id. */
export function findingId(accountId: string, region: string, type: string, resourceRole: string, resourceKey: string): string {
  return createHash('sha256').update(`${accountId}\u0000${region}\u0000${type}\u0000${resourceRole}\u0000${resourceKey}`).digest('hex').slice(0, 32);
}

/** Vigil's stand-in for a GuardDuty detector id: stable per account and region. */
export function detectorId(accountId: string, region: string): string {
  return createHash('sha256').update(`vigil\u0000${accountId}\u0000${region}`).digest('hex').slice(0, 32);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The id of the finding an observation belongs to. */
export function observationFindingId(observation: Observation, scope: FindingScope): string {
  return findingId(
    observation.accountId || scope.accountId,
    observation.region || scope.region,
    observation.type,
    observation.resourceRole,
    observation.resourceKey,
  );
}

/** Builds the finding of a first occurrence. */
export function newFinding(observation: Observation, scope: FindingScope): StoredFinding {
  // Logs that do not name an account or region (an empty string from the parser) take the scope's.
  const accountId = observation.accountId || scope.accountId;
  const region = observation.region || scope.region;
  const id = observationFindingId(observation, scope);
  const detector = detectorId(accountId, region);
  const seen = iso(observation.lastSeen);
  const finding: Finding = {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    region,
    partition: scope.partition,
    id,
    arn: `arn:${scope.partition}:guardduty:${region}:${accountId}:detector/${detector}/finding/${id}`,
    type: observation.type,
    severity: observation.severity,
    title: observation.title,
    description: observation.description,
    createdAt: seen,
    updatedAt: seen,
    resource: observation.resource,
    service: {
      serviceName: SERVICE_NAME,
      detectorId: detector,
      resourceRole: observation.resourceRole,
      archived: false,
      count: observation.count,
      eventFirstSeen: iso(observation.firstSeen),
      eventLastSeen: seen,
      action: observation.action,
      ...(observation.additionalInfo ? { additionalInfo: observation.additionalInfo } : {}),
      ...(observation.evidence ? { evidence: observation.evidence } : {}),
    },
  };
  return { finding, actionTime: observation.lastSeen };
}

/**
 * Folds another occurrence into a finding. The count adds up, the seen-times widen, and the details that
 * describe one occurrence (action, title, description, resource, evidence, additional info) come from
 * whichever occurrence is latest in event time.
 */
export function addOccurrence(stored: StoredFinding, observation: Observation): StoredFinding {
  const f = stored.finding;
  const s = f.service;
  const latest = observation.lastSeen >= stored.actionTime;
  const createdAt = minIso(f.createdAt, iso(observation.lastSeen));
  const updatedAt = maxIso(f.updatedAt, iso(observation.lastSeen));
  const finding: Finding = {
    ...f,
    severity: Math.max(f.severity, observation.severity),
    createdAt,
    updatedAt,
    ...(latest ? { title: observation.title, description: observation.description, resource: observation.resource } : {}),
    service: {
      ...s,
      count: s.count + observation.count,
      eventFirstSeen: minIso(s.eventFirstSeen, iso(observation.firstSeen)),
      eventLastSeen: maxIso(s.eventLastSeen, iso(observation.lastSeen)),
      ...(latest
        ? {
            action: observation.action,
            additionalInfo: observation.additionalInfo,
            evidence: observation.evidence,
          }
        : {}),
    },
  };
  if (finding.service.additionalInfo === undefined) delete finding.service.additionalInfo;
  if (finding.service.evidence === undefined) delete finding.service.evidence;
  return { ...stored, finding, actionTime: latest ? observation.lastSeen : stored.actionTime };
}

// ISO-8601 UTC strings of one format order like the instants they name.
function minIso(a: string, b: string): string {
  return a <= b ? a : b;
}
function maxIso(a: string, b: string): string {
  return a >= b ? a : b;
}
