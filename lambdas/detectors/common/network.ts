/**
 * Shared vocabulary of the flow-log detectors: which side of a flow is the instance, and how a flow becomes
 * the resource and the NETWORK_CONNECTION action of a finding.
 *
 * Every flow detector needs the same facts about a record (its direction, the connection it belongs to,
 * whether the remote side is on the internet, the remote address's intel matches). The engine hands one
 * record to every detector in turn, so {@link flowView} computes them once per record and serves the same
 * object to the detectors that follow: one small allocation per record instead of one per detector.
 */
import type { FlowEvent } from '../../engine/events';
import type { FindingAction, FindingResource, RemoteIpDetails } from '../../engine/finding';
import type { DetectorContext } from '../../engine/detector';
import { classifyIp, classifyIpv4, parseIpv4, type IpClass } from '../../intel/ip';
import type { IntelLookup, IntelMatch } from '../../intel/types';
import { interfaceOf, interfacesOf, type InterfaceDirectory } from './interfaces';

/**
 * Whether an address is on the internet side. Documentation ranges (TEST-NET, 2001:db8::/32) count as
 * internet: they never occur in real traffic, and they let samples and tests use addresses that belong to
 * nobody.
 */
export function isInternetAddress(ip: string): boolean {
  return isInternetClass(classifyIp(ip));
}

function isInternetClass(kind: IpClass): boolean {
  return kind === 'public' || kind === 'documentation';
}

export type FlowDirection = 'ingress' | 'egress';

/**
 * Which way a flow record's packets cross the instance's interface: `ingress` when the instance is the
 * destination.
 *
 * Flow logs v5 say so (`flow-direction`). Otherwise an interface directory (inventory) knows the
 * interface's own addresses. Failing both, the interface's address is the private one, so a record between
 * a private and an internet address is oriented by that; records between two private (or two internet)
 * addresses stay `undefined`.
 */
export function recordDirection(event: FlowEvent, directory?: InterfaceDirectory): FlowDirection | undefined {
  if (event.flowDirection) return event.flowDirection;
  const known = interfaceOf(event, directory);
  if (known !== undefined) {
    if (known.addresses.has(event.srcAddr)) return 'egress';
    if (known.addresses.has(event.dstAddr)) return 'ingress';
  }
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
export function connectionOf(event: FlowEvent, directory?: InterfaceDirectory): Connection | undefined {
  const direction = recordDirection(event, directory);
  return direction === undefined ? undefined : orient(event, direction);
}

function orient(event: FlowEvent, direction: FlowDirection): Connection {
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

/**
 * The key findings about this instance aggregate on: the instance id when logged or known from the
 * inventory, else the interface.
 */
export function instanceKey(event: FlowEvent, directory?: InterfaceDirectory): string {
  return event.instanceId ?? interfaceOf(event, directory)?.instanceId ?? event.interfaceId ?? `unknown-interface:${event.srcAddr}`;
}

/** Everything flow detectors ask about one record, computed once (see the module comment). */
export interface FlowView {
  readonly event: FlowEvent;
  readonly direction: FlowDirection | undefined;
  /** Undefined when the record cannot be oriented (two private addresses, no flow-direction, no inventory). */
  readonly connection: Connection | undefined;
  /** The resource key of the instance side ({@link instanceKey}). */
  readonly instance: string;
  /** Class of the remote address; `invalid` when there is no connection. */
  readonly remoteClass: IpClass;
  /** The remote IPv4 address as a number, or -1 (IPv6, or no connection): numeric lookups skip a parse. */
  readonly remoteIpv4: number;
  /** Remote side is a public (or documentation) address. */
  readonly remoteIsInternet: boolean;
  /** The packets leave the instance (`egress`). */
  readonly egress: boolean;
}

interface CachedView extends FlowView {
  intel?: IntelLookup;
  matches?: readonly IntelMatch[];
}

let cachedEvent: FlowEvent | undefined;
let cachedDirectory: InterfaceDirectory | undefined;
let cachedView: CachedView | undefined;

/** Scratch results of {@link classify}: the class and, for IPv4, the parsed address. */
let classifiedIpv4 = -1;

function classify(ip: string): IpClass {
  classifiedIpv4 = parseIpv4(ip);
  return classifiedIpv4 >= 0 ? classifyIpv4(classifiedIpv4) : classifyIp(ip);
}

/**
 * The {@link FlowView} of a record as this detector context sees it (with its interface directory, if
 * any). Consecutive calls for the same record and directory return the same object. Each address is
 * parsed at most once here (the heuristic direction needs both classes, the remote's is one of them).
 */
export function flowView(event: FlowEvent, ctx: DetectorContext): FlowView {
  const directory = interfacesOf(ctx);
  if (event === cachedEvent && directory === cachedDirectory && cachedView !== undefined) return cachedView;
  let direction: FlowDirection | undefined = event.flowDirection;
  let srcClass: IpClass | undefined;
  let srcIpv4 = -1;
  let dstClass: IpClass | undefined;
  let dstIpv4 = -1;
  if (direction === undefined) {
    const known = interfaceOf(event, directory);
    if (known !== undefined) {
      if (known.addresses.has(event.srcAddr)) direction = 'egress';
      else if (known.addresses.has(event.dstAddr)) direction = 'ingress';
    }
    if (direction === undefined) {
      srcClass = classify(event.srcAddr);
      srcIpv4 = classifiedIpv4;
      dstClass = classify(event.dstAddr);
      dstIpv4 = classifiedIpv4;
      const srcOut = isInternetClass(srcClass);
      const dstOut = isInternetClass(dstClass);
      if (srcOut && !dstOut) direction = 'ingress';
      else if (!srcOut && dstOut) direction = 'egress';
    }
  }
  const connection = direction === undefined ? undefined : orient(event, direction);
  let remoteClass: IpClass = 'invalid';
  let remoteIpv4 = -1;
  if (connection !== undefined) {
    const known = direction === 'ingress' ? srcClass : dstClass;
    if (known !== undefined) {
      remoteClass = known;
      remoteIpv4 = direction === 'ingress' ? srcIpv4 : dstIpv4;
    } else {
      remoteClass = classify(connection.remoteAddr);
      remoteIpv4 = classifiedIpv4;
    }
  }
  const view: CachedView = {
    event,
    direction,
    connection,
    instance: instanceKey(event, directory),
    remoteClass,
    remoteIpv4,
    remoteIsInternet: isInternetClass(remoteClass),
    egress: direction === 'egress',
  };
  cachedEvent = event;
  cachedDirectory = directory;
  cachedView = view;
  return view;
}

const NO_MATCHES: readonly IntelMatch[] = Object.freeze([]);

/**
 * The intel matches of the record's remote address, looked up once per record and intel source. Which
 * addresses lists apply to (routable only, by default) is the intel registry's decision.
 */
export function remoteMatches(view: FlowView, intel: IntelLookup): readonly IntelMatch[] {
  const cached = view as CachedView;
  if (cached.intel === intel && cached.matches !== undefined) return cached.matches;
  const matches = view.connection !== undefined ? intel.matchIp(view.connection.remoteAddr) : NO_MATCHES;
  cached.intel = intel;
  cached.matches = matches;
  return matches;
}

/** Threat matches of the given categories, in a stable order (by list name). */
export function threatMatchesIn(matches: readonly IntelMatch[], categories: ReadonlySet<string>): IntelMatch[] {
  const out: IntelMatch[] = [];
  for (const m of matches) if (m.kind === 'threat' && categories.has(m.category)) out.push(m);
  return out.sort((a, b) => a.listName.localeCompare(b.listName));
}

const IPV6 = (ip: string): boolean => ip.includes(':');

export function ipDetails(ip: string): RemoteIpDetails {
  return IPV6(ip) ? { ipAddressV6: ip } : { ipAddressV4: ip };
}

/**
 * `resource` of an EC2 finding from what the flow log carries. Without an inventory the interface id stands
 * in for the instance id, so findings still aggregate per interface; the inventory enricher fills the rest.
 */
export function instanceResource(event: FlowEvent, localAddr: string, instanceId: string = instanceKey(event)): FindingResource {
  const nic: Record<string, unknown> = {};
  if (event.interfaceId) nic.networkInterfaceId = event.interfaceId;
  if (IPV6(localAddr)) nic.ipv6Addresses = [localAddr];
  else nic.privateIpAddress = localAddr;
  if (event.subnetId) nic.subnetId = event.subnetId;
  if (event.vpcId) nic.vpcId = event.vpcId;
  return {
    resourceType: 'Instance',
    instanceDetails: {
      instanceId,
      networkInterfaces: [nic],
    },
  };
}

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPV6', 2: 'IGMP', 47: 'GRE', 50: 'ESP', 51: 'AH', 132: 'SCTP' };

export function protocolName(protocol: number): string {
  return PROTOCOLS[protocol] ?? String(protocol);
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  20: 'FTP-DATA', 21: 'FTP', 22: 'SSH', 23: 'TELNET', 25: 'SMTP', 53: 'DNS', 80: 'HTTP', 110: 'POP3', 123: 'NTP',
  143: 'IMAP', 389: 'LDAP', 443: 'HTTPS', 445: 'SMB', 465: 'SMTPS', 587: 'SMTP', 636: 'LDAPS', 853: 'DNS-over-TLS', 993: 'IMAPS',
  995: 'POP3S', 1389: 'LDAP', 1433: 'MSSQL', 1521: 'ORACLE', 2049: 'NFS', 3306: 'MYSQL', 3389: 'RDP', 5432: 'POSTGRESQL',
  5985: 'WINRM', 5986: 'WINRM', 6379: 'REDIS', 8080: 'HTTP', 8088: 'YARN', 9001: 'TOR', 9200: 'ELASTICSEARCH', 9300: 'ELASTICSEARCH',
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

/** Account and region of an observation, when the record carries them. */
export function scopeOf(event: FlowEvent): { accountId?: string; region?: string } {
  if (event.accountId === undefined && event.region === undefined) return {};
  return { ...(event.accountId ? { accountId: event.accountId } : {}), ...(event.region ? { region: event.region } : {}) };
}

/**
 * The part of a flow observation that says where it happened: the instance as resource and aggregation key,
 * the account and region the record names, and the connection as a NETWORK_CONNECTION action.
 */
export function onInstance(event: FlowEvent, connection: Connection, instance: string) {
  return {
    resource: instanceResource(event, connection.localAddr, instance),
    resourceKey: instance,
    ...scopeOf(event),
    action: networkConnectionAction(event, connection),
  };
}
