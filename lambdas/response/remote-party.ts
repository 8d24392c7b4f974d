/**
 * Who is on the other side of a finding, and which way traffic to them must be stopped.
 *
 * GuardDuty findings carry the remote party in one of three actions:
 * - `networkConnectionAction`: `connectionDirection` INBOUND means the remote initiated (the attacker of a
 *   brute force, a scanner), so its traffic is stopped coming *in*; OUTBOUND means the instance initiated
 *   (a C&C server, a mining pool, a drop point, or the victim of the instance's own attack), so traffic
 *   to it is stopped going *out*. UNKNOWN stops both ways. Blocking an outbound destination on ingress,
 *   as the public GuardDuty sample does, blocks the wrong side.
 * - `portProbeAction`: every probing address is an inbound attacker.
 * - `awsApiCallAction`: the caller of an AWS API. It reached AWS, not the VPC, so only the WAF (in front
 *   of the account's web entry points) can stop it.
 *
 * `dnsRequestAction` names a domain, not an address; GuardDuty findings do not carry the resolved answers,
 * so DNS findings yield no remote party (see docs/response.md).
 */
import type { Finding, RemoteIpDetails } from '../engine/finding';
import type { Direction } from './block';

/** Which part of the finding named the address. */
export type RemotePartySource = 'network-connection' | 'port-probe' | 'api-call';

export interface RemoteParty {
  /** The address exactly as the finding gives it (validated later). */
  readonly ip: string;
  /** Directions in which a NACL must deny it; empty when only the WAF applies (API callers, egress-free). */
  readonly naclDirections: readonly Direction[];
  /** Whether blocking at the edge (WAF) makes sense: the party sends requests *to* the account. */
  readonly edge: boolean;
  readonly source: RemotePartySource;
}

/**
 * The remote parties a finding names, one per distinct address and source. Tolerates any shape: a field of
 * the wrong type is ignored, never thrown on.
 *
 * @example
 * remoteParties(sshBruteForceAgainstInstance) // [{ ip: '198.51.100.7', naclDirections: ['ingress'], edge: true, source: 'network-connection' }]
 * remoteParties(cAndCActivityFromInstance)    // [{ ip: '203.0.113.50', naclDirections: ['egress'], edge: false, source: 'network-connection' }]
 */
export function remoteParties(finding: Finding): RemoteParty[] {
  const action = asRecord(asRecord(finding.service)?.action);
  if (!action) return [];
  const parties: RemoteParty[] = [];

  const connection = asRecord(action.networkConnectionAction);
  if (connection) {
    const direction = connection.connectionDirection;
    const naclDirections: Direction[] =
      direction === 'INBOUND' ? ['ingress'] : direction === 'OUTBOUND' ? ['egress'] : ['ingress', 'egress'];
    for (const ip of addressesOf(connection.remoteIpDetails)) {
      parties.push({ ip, naclDirections, edge: direction !== 'OUTBOUND', source: 'network-connection' });
    }
  }

  const probe = asRecord(action.portProbeAction);
  if (probe && Array.isArray(probe.portProbeDetails)) {
    for (const detail of probe.portProbeDetails) {
      for (const ip of addressesOf(asRecord(detail)?.remoteIpDetails)) {
        parties.push({ ip, naclDirections: ['ingress'], edge: true, source: 'port-probe' });
      }
    }
  }

  const apiCall = asRecord(action.awsApiCallAction);
  if (apiCall) {
    for (const ip of addressesOf(apiCall.remoteIpDetails)) {
      parties.push({ ip, naclDirections: [], edge: true, source: 'api-call' });
    }
  }

  const seen = new Set<string>();
  return parties.filter((p) => {
    const key = `${p.source}|${p.ip}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether the finding is about a domain (DNS) rather than an address. */
export function isDomainFinding(finding: Finding): boolean {
  const action = asRecord(asRecord(finding.service)?.action);
  return action?.dnsRequestAction !== undefined || action?.actionType === 'DNS_REQUEST';
}

/** Subnets of the affected instance's network interfaces, where its NACLs are found. */
export function findingSubnetIds(finding: Finding): string[] {
  const interfaces = asRecord(asRecord(finding.resource)?.instanceDetails)?.networkInterfaces;
  if (!Array.isArray(interfaces)) return [];
  const ids = new Set<string>();
  for (const ni of interfaces) {
    const subnetId = asRecord(ni)?.subnetId;
    if (typeof subnetId === 'string' && subnetId !== '') ids.add(subnetId);
  }
  return [...ids];
}

/**
 * Addresses of the affected resource itself (public and private IPs of its network interfaces, and the
 * local side of the connection). Vigil never blocks these: a finding can name the account's own address
 * when, for example, one instance probes another.
 */
export function findingOwnAddresses(finding: Finding): string[] {
  const own = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') own.add(v);
  };
  const interfaces = asRecord(asRecord(finding.resource)?.instanceDetails)?.networkInterfaces;
  if (Array.isArray(interfaces)) {
    for (const raw of interfaces) {
      const ni = asRecord(raw);
      if (!ni) continue;
      add(ni.publicIp);
      add(ni.privateIpAddress);
      if (Array.isArray(ni.ipv6Addresses)) ni.ipv6Addresses.forEach(add);
      if (Array.isArray(ni.privateIpAddresses)) for (const p of ni.privateIpAddresses) add(asRecord(p)?.privateIpAddress);
    }
  }
  const action = asRecord(asRecord(finding.service)?.action);
  const local = asRecord(asRecord(action?.networkConnectionAction)?.localIpDetails);
  add(local?.ipAddressV4);
  add(local?.ipAddressV6);
  const probe = asRecord(action?.portProbeAction);
  if (probe && Array.isArray(probe.portProbeDetails)) {
    for (const d of probe.portProbeDetails) {
      const l = asRecord(asRecord(d)?.localIpDetails);
      add(l?.ipAddressV4);
      add(l?.ipAddressV6);
    }
  }
  return [...own];
}

function addressesOf(details: unknown): string[] {
  const d = asRecord(details) as Partial<Record<keyof RemoteIpDetails, unknown>> | undefined;
  if (!d) return [];
  const out: string[] = [];
  if (typeof d.ipAddressV4 === 'string' && d.ipAddressV4.trim() !== '') out.push(d.ipAddressV4.trim());
  if (typeof d.ipAddressV6 === 'string' && d.ipAddressV6.trim() !== '') out.push(d.ipAddressV6.trim());
  return out;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
