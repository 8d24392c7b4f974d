/**
 * Findings in GuardDuty's schema.
 *
 * The shapes come from `@aws-sdk/client-guardduty` (the GuardDuty service model), converted to the wire
 * form that GetFindings, EventBridge `detail` and S3 exports use: camelCase keys and ISO-8601 strings.
 * Only a type is imported, so the engine stays free of SDK code at run time.
 *
 * One deliberate difference: `service.additionalInfo` is an object of named values (as in GuardDuty's
 * EventBridge events and console JSON: `{ threatListName: "…" }`), not the API's `{ value, type }` pair
 * holding a JSON string. Filters and EventBridge rules can then address `service.additionalInfo.threatListName`.
 */
import type {
  Action as SdkAction,
  Evidence as SdkEvidence,
  Finding as SdkFinding,
  RemoteIpDetails as SdkRemoteIpDetails,
  Resource as SdkResource,
  Service as SdkService,
} from '@aws-sdk/client-guardduty';

/** Converts an SDK model shape to its wire JSON form: first letter of every key lower-cased, dates as strings. */
export type Wire<T> = T extends readonly (infer U)[]
  ? Wire<U>[]
  : T extends Date
    ? string
    : T extends object
      ? { [K in keyof T as K extends string ? Uncapitalize<K> : never]: Wire<T[K]> }
      : T;

type WithRequired<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

export type FindingAction = Wire<SdkAction>;
export type FindingResource = Wire<SdkResource>;
export type FindingEvidence = Wire<SdkEvidence>;
export type RemoteIpDetails = Wire<SdkRemoteIpDetails>;

/** Named extra facts about a finding, e.g. `threatListName`, `threatName`, `context`, `unusual`. */
export type FindingAdditionalInfo = Record<string, unknown>;

export type FindingService = WithRequired<
  Omit<Wire<SdkService>, 'additionalInfo'>,
  'action' | 'archived' | 'count' | 'eventFirstSeen' | 'eventLastSeen' | 'resourceRole' | 'serviceName' | 'detectorId'
> & { additionalInfo?: FindingAdditionalInfo };

/** A finding as Vigil stores and publishes it: GuardDuty's wire JSON. */
export type Finding = WithRequired<
  Omit<Wire<SdkFinding>, 'service'>,
  | 'accountId'
  | 'arn'
  | 'createdAt'
  | 'description'
  | 'id'
  | 'partition'
  | 'region'
  | 'resource'
  | 'schemaVersion'
  | 'severity'
  | 'title'
  | 'type'
  | 'updatedAt'
> & { service: FindingService };

export type ResourceRole = 'ACTOR' | 'TARGET';

export const SCHEMA_VERSION = '2.0';
export const SERVICE_NAME = 'guardduty';

/** GuardDuty's severity levels and their numeric ranges. */
export type SeverityLevel = 'Low' | 'Medium' | 'High' | 'Critical';

/** The numbers GuardDuty uses for a level's default severity in its own findings. */
export const SEVERITY = { Low: 2, Medium: 5, High: 8, Critical: 9 } as const satisfies Record<SeverityLevel, number>;

/**
 * The level a numeric severity falls in: Low 1.0–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0.
 *
 * @example severityLevel(5) // 'Medium'
 */
export function severityLevel(severity: number): SeverityLevel {
  if (severity >= 9) return 'Critical';
  if (severity >= 7) return 'High';
  if (severity >= 4) return 'Medium';
  return 'Low';
}

/** Parses a level name or a number (`"medium"`, `"7"`, `"4.5"`) into a minimum severity. */
export function parseSeverity(value: string): number | undefined {
  const lower = value.trim().toLowerCase();
  for (const [level, n] of Object.entries({ low: 1, medium: 4, high: 7, critical: 9 })) {
    if (lower === level) return n;
  }
  const n = Number(lower);
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n : undefined;
}
