/**
 * Shared vocabulary of the flow-log detectors: which side of a flow is the instance, and how a flow becomes
 * the resource and the NETWORK_CONNECTION action of a finding.
 */
import type { FlowEvent } from '../../engine/events';
import type { FindingAction, FindingResource, RemoteIpDetails } from '../../engine/finding';
import { classifyIp } from '../../intel/ip';

/**
 * Whether an address is on the internet side. Documentation ranges (TEST-NET, 2001:db8::/32) count as
 * internet: they never occur in real traffic, and they let samples and tests use addresses that belong to
 * nobody.
 */
export function isInternetAddress(ip: string): boolean {
  const kind = classifyIp(ip);
  return kind === 'public' || kind === 'documentation';
}

export type FlowDirection = 'ingress' | 'egress';

/**
 * Which way a flow record's packets cross the instance's interface: `ingress` when the instance is the
 * destination.
 *
 * Flow logs v5 say so (`flow-direction`). Older formats name only the two addresses; the interface's own
 * address is the private one, so a record between a private and an internet address is oriented by that.
 * Records between two private (or two internet) addresses stay `undefined` without an inventory.
 */
export function recordDirection(event: FlowEvent): FlowDirection | undefined {
  if (event.flowDirection) return event.flowDirection;
  const srcOut = isInternetAddress(event.srcAddr);
  const dstOut = isInternetAddress(event.dstAddr);
  if (srcOut && !dstOut) return 'ingress';
  if (!srcOut && dstOut) return 'egress';
  return undefined;
}

/** A flow seen as a connection: who started it, and the instance's side and the remote side. */
export interface Connection {
  /** INBOUND when the remote side opened the connection, OUTBOUND when the instance did. */
  readonly direction: 'INBOUND' | 'OUTBOUND';
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
}

const SYN = 2;
const SYN_ACK = 18;

/**
 * The connection a flow record belongs to. A connection produces a record each way (request and response),
 * so the record's direction alone does not say who connected to whom: the TCP flags do when they are logged
 * (a SYN without SYN-ACK comes from the client), otherwise the port numbers (the server listens on the
 * lower port; clients use high ephemeral ports).
 */
export function connectionOf(event: FlowEvent): Connection | undefined {
  const direction = recordDirection(event);
  if (direction === undefined) return undefined;
  const ingress = direction === 'ingress';
  const localAddr = ingress ? event.dstAddr : event.srcAddr;
  const localPort = ingress ? event.dstPort : event.srcPort;
  const remoteAddr = ingress ? event.srcAddr : event.dstAddr;
  const remotePort = ingress ? event.srcPort : event.dstPort;
  let srcIsClient: boolean;
  const flags = event.tcpFlags;
  if (flags !== undefined && (flags & SYN) !== 0 && (flags & SYN_ACK) !== SYN_ACK) srcIsClient = true;
  else if (flags !== undefined && (flags & SYN_ACK) === SYN_ACK) srcIsClient = false;
  else srcIsClient = event.srcPort >= event.dstPort;
  const remoteIsClient = ingress ? srcIsClient : !srcIsClient;
  return { direction: remoteIsClient ? 'INBOUND' : 'OUTBOUND', localAddr, localPort, remoteAddr, remotePort };
}

/** The key findings about this instance aggregate on: the instance id when logged, else the interface. */
export function instanceKey(event: FlowEvent): string {
  return event.instanceId ?? event.interfaceId ?? `unknown-interface:${event.srcAddr}`;
}

const IPV6 = (ip: string): boolean => ip.includes(':');

export function ipDetails(ip: string): RemoteIpDetails {
  return IPV6(ip) ? { ipAddressV6: ip } : { ipAddressV4: ip };
}

/**
 * `resource` of an EC2 finding from what the flow log carries. Without an inventory the interface id stands
 * in for the instance id, so findings still aggregate per interface.
 */
export function instanceResource(event: FlowEvent, localAddr: string): FindingResource {
  const nic: Record<string, unknown> = {};
  if (event.interfaceId) nic.networkInterfaceId = event.interfaceId;
  if (IPV6(localAddr)) nic.ipv6Addresses = [localAddr];
  else nic.privateIpAddress = localAddr;
  if (event.subnetId) nic.subnetId = event.subnetId;
  if (event.vpcId) nic.vpcId = event.vpcId;
  return {
    resourceType: 'Instance',
    instanceDetails: {
      instanceId: instanceKey(event),
      networkInterfaces: [nic],
    },
  };
}

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPV6', 2: 'IGMP', 47: 'GRE', 50: 'ESP' };

export function protocolName(protocol: number): string {
  return PROTOCOLS[protocol] ?? String(protocol);
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  20: 'FTP-DATA', 21: 'FTP', 22: 'SSH', 23: 'TELNET', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 110: 'POP3', 123: 'NTP',
  143: 'IMAP', 389: 'LDAP', 443: 'HTTPS', 445: 'SMB', 465: 'SMTPS', 587: 'SMTP', 853: 'DNS-over-TLS', 993: 'IMAPS',
  995: 'POP3S', 1433: 'MSSQL', 1521: 'ORACLE', 2049: 'NFS', 3306: 'MYSQL', 3389: 'RDP', 5432: 'POSTGRESQL',
  5985: 'WINRM', 5986: 'WINRM', 6379: 'REDIS', 8080: 'HTTP', 8088: 'YARN', 9200: 'ELASTICSEARCH', 9300: 'ELASTICSEARCH',
  11211: 'MEMCACHED', 27017: 'MONGODB',
};

export function portName(port: number): string {
  return PORT_NAMES[port] ?? 'Unknown';
}

/** GuardDuty's NETWORK_CONNECTION action for one flow, seen from the instance. */
export function networkConnectionAction(event: FlowEvent, connection: Connection): FindingAction {
  return {
    actionType: 'NETWORK_CONNECTION',
    networkConnectionAction: {
      connectionDirection: connection.direction,
      protocol: protocolName(event.protocol),
      blocked: event.action === 'REJECT',
      ...(event.interfaceId ? { localNetworkInterface: event.interfaceId } : {}),
      localPortDetails: { port: connection.localPort, portName: portName(connection.localPort) },
      remotePortDetails: { port: connection.remotePort, portName: portName(connection.remotePort) },
      localIpDetails: ipDetails(connection.localAddr),
      remoteIpDetails: ipDetails(connection.remoteAddr),
    },
  };
}
