/**
 * Names shared by the CDK app (lib/) and the Lambda handlers: environment variables, event sources and
 * detail types. The only module lib/ may import from lambdas/.
 */

/** Environment variables the stack sets on the Lambda functions and the handlers read (once, at start-up). */
export const ENV = {
  FINDINGS_TABLE: 'VIGIL_FINDINGS_TABLE',
  STATE_TABLE: 'VIGIL_STATE_TABLE',
  FINDINGS_BUS: 'VIGIL_FINDINGS_BUS',
  /** `IMMEDIATE` | `FIFTEEN_MINUTES` | `ONE_HOUR` | `SIX_HOURS`: how often updates to existing findings are published. */
  PUBLISH_FREQUENCY: 'VIGIL_PUBLISH_FREQUENCY',
  INTEL_BUCKET: 'VIGIL_INTEL_BUCKET',
  /** JSON: `[{ "key": "lists/bad.txt", "name": "bad", "category": "custom", "kind": "threat" }, …]` in the intel bucket. */
  INTEL_LISTS: 'VIGIL_INTEL_LISTS',
  /** JSON array of suppression rules in GuardDuty filter form. */
  SUPPRESSION_RULES: 'VIGIL_SUPPRESSION_RULES',
  /** Flow log format string for flow records that arrive without a header (Kinesis / CloudWatch Logs). */
  FLOW_LOG_FORMAT: 'VIGIL_FLOW_LOG_FORMAT',
  /** Account and region reported on findings whose logs do not carry them. */
  DEFAULT_ACCOUNT: 'VIGIL_DEFAULT_ACCOUNT',
  DEFAULT_REGION: 'VIGIL_DEFAULT_REGION',
  BLOCK_REGISTRY_TABLE: 'VIGIL_BLOCK_REGISTRY_TABLE',
  /** JSON response configuration (targets, modes, allow-lists); see lambdas/response. */
  RESPONSE_CONFIG: 'VIGIL_RESPONSE_CONFIG',
  /**
   * Folder (relative to the function's code root) holding the offline geolocation files
   * ({@link GEO_DATA_FILES}); absent: remote addresses are not geolocated.
   */
  GEO_DATA_DIR: 'VIGIL_GEO_DATA_DIR',
} as const;

/**
 * Sparse index of the findings table holding only findings waiting to be published (`publishState` NEW or
 * PENDING, sorted by `updatedAt`), so publish-updates queries it instead of scanning the table.
 */
export const PENDING_FINDINGS_INDEX = 'byPublishState';

/**
 * The offline geolocation files shipped with the ingest functions: which npm package each comes from and the
 * name it has in the function's geo folder. Data © NRO, RouteViews and DB-IP, CC BY 4.0.
 */
export const GEO_DATA_FILES = {
  COUNTRY_MMDB: { package: '@ip-location-db/geo-whois-asn-country-mmdb', file: 'geo-whois-asn-country.mmdb' },
  ASN_IPV4_CSV: { package: '@ip-location-db/asn', file: 'asn-ipv4-num.csv' },
  ASN_IPV6_CSV: { package: '@ip-location-db/asn', file: 'asn-ipv6.csv' },
} as const;

/** Attribute and index names of the block registry table: the CDK construct creates it, the adapter uses it. */
export const BLOCK_REGISTRY_SCHEMA = {
  partitionKey: 'address',
  sortKey: 'target',
  liveByTarget: { indexName: 'live-by-target', partitionKey: 'liveTarget', sortKey: 'createdAt' },
  liveByExpiry: { indexName: 'live-by-expiry', partitionKey: 'liveBucket', sortKey: 'expiresAt' },
  ttlAttribute: 'purgeAt',
} as const;

/** EventBridge `source` of every event Vigil puts on its findings bus. */
export const EVENT_SOURCE = 'vigil';

export const DETAIL_TYPE = {
  FINDING: 'Vigil Finding',
  REMEDIATION_ACTION: 'Vigil Remediation Action',
} as const;

export const PUBLISH_FREQUENCIES = ['IMMEDIATE', 'FIFTEEN_MINUTES', 'ONE_HOUR', 'SIX_HOURS'] as const;
export type PublishFrequency = (typeof PUBLISH_FREQUENCIES)[number];

/** Lambda entry points, relative to the repository root (lib/ bundles them with NodejsFunction). */
export const HANDLER_ENTRIES = {
  INGEST_S3: 'lambdas/handlers/ingest-s3.ts',
  INGEST_STREAM: 'lambdas/handlers/ingest-stream.ts',
  INGEST_CLOUDTRAIL_EVENT: 'lambdas/handlers/ingest-cloudtrail-event.ts',
  PUBLISH_UPDATES: 'lambdas/handlers/publish-updates.ts',
  RESPOND: 'lambdas/handlers/respond.ts',
  EXPIRE_BLOCKS: 'lambdas/handlers/expire-blocks.ts',
} as const;
