/**
 * How findings and scan summaries look on a terminal.
 */
import { severityLevel, type Finding } from '../engine/finding';

/** The remote party of a finding: an IP address, a domain, or nothing. */
export function remoteOf(finding: Finding): string | undefined {
  const a = finding.service.action;
  const ip =
    a.networkConnectionAction?.remoteIpDetails ??
    a.awsApiCallAction?.remoteIpDetails ??
    a.portProbeAction?.portProbeDetails?.[0]?.remoteIpDetails;
  return ip?.ipAddressV4 ?? ip?.ipAddressV6 ?? a.dnsRequestAction?.domain ?? a.awsApiCallAction?.domainDetails?.domain;
}

/** The resource a finding is about, in a few characters. */
export function resourceOf(finding: Finding): string {
  const r = finding.resource;
  return (
    r.instanceDetails?.instanceId ??
    r.accessKeyDetails?.userName ??
    r.accessKeyDetails?.accessKeyId ??
    r.accessKeyDetails?.principalId ??
    r.s3BucketDetails?.[0]?.name ??
    r.resourceType ??
    '-'
  );
}

export function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const header = ['SEVERITY', 'TYPE', 'RESOURCE', 'ROLE', 'COUNT', 'REMOTE', 'LAST SEEN', 'ID'];
  const rows = findings.map((f) => [
    `${severityLevel(f.severity)} ${f.severity}`,
    f.type,
    resourceOf(f),
    f.service.resourceRole,
    String(f.service.count),
    remoteOf(f) ?? '-',
    f.service.eventLastSeen.replace('.000Z', 'Z'),
    f.id.slice(0, 12),
  ]);
  return table([header, ...rows]);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
