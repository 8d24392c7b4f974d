/**
 * An instance inventory from a file: the JSON `aws ec2 describe-instances` prints (`--inventory FILE`).
 *
 * Flow logs of version 2 name a network interface, not an instance. The inventory closes the gap twice:
 * - as the detectors' {@link InterfaceDirectory}, it says which addresses belong to an interface (so traffic
 *   between two instances of a VPC is oriented, ACTOR on one side and TARGET on the other) and which
 *   instance it is attached to (so findings aggregate per instance);
 * - as a {@link FindingEnricher}, it replaces the interface-only `resource.instanceDetails` of a finding
 *   with the instance's full description (type, image, launch time, profile, tags, every interface with its
 *   addresses and security groups), as GuardDuty shows it.
 * In AWS the same roles are played by a cached EC2 lookup (ec2-instances.ts); the file is for the CLI.
 *
 * Accepted input: one describe-instances document (`{"Reservations": [...]}`), an array of them, or one
 * per line (several regions or pages appended to one file).
 *
 * @example
 * const inventory = await InventoryFile.load('instances.json');
 * new Engine({ detectors: DETECTORS, interfaces: inventory, enrichers: [inventory], … });
 */
import { readFile } from 'node:fs/promises';
import type { Instance } from '@aws-sdk/client-ec2';
import type { InterfaceDirectory, InterfaceInfo } from '../engine/ports';
import type { FindingEnricher } from '../engine/enrichment';
import type { Finding } from '../engine/finding';
import { toInstanceDetails, type InstanceDetails } from './ec2-instances';

/** The inventory file is missing or is not describe-instances output. */
export class InventoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InventoryError';
  }
}

/** The tag EMR puts on every instance of a cluster. */
const EMR_CLUSTER_TAG = 'aws:elasticmapreduce:job-flow-id';

interface DescribeInstancesDocument {
  readonly Reservations?: readonly { readonly Instances?: readonly Instance[] }[];
}

export class InventoryFile implements InterfaceDirectory, FindingEnricher {
  private readonly interfaces = new Map<string, InterfaceInfo>();
  private readonly instances = new Map<string, InstanceDetails>();
  private readonly instanceOfInterface = new Map<string, string>();
  /** Address → interface, or `null` when several interfaces hold it (overlapping VPC ranges). */
  private readonly byAddressMap = new Map<string, InterfaceInfo | null>();

  private constructor(documents: readonly DescribeInstancesDocument[]) {
    for (const document of documents) {
      for (const reservation of document.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) this.addInstance(instance);
      }
    }
  }

  /**
   * Reads and indexes an inventory file.
   * @throws InventoryError when the file cannot be read or holds no describe-instances document.
   */
  static async load(path: string): Promise<InventoryFile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new InventoryError(`cannot read inventory ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
    }
    return InventoryFile.parse(text, path);
  }

  /** Indexes inventory text (see the module comment for the accepted shapes). */
  static parse(text: string, source = 'inventory'): InventoryFile {
    return new InventoryFile(parseDocuments(text, source));
  }

  /** Number of instances known. */
  get size(): number {
    return this.instances.size;
  }

  byInterface(interfaceId: string): InterfaceInfo | undefined {
    return this.interfaces.get(interfaceId);
  }

  byAddress(address: string): InterfaceInfo | undefined {
    return this.byAddressMap.get(address) ?? undefined;
  }

  /** GuardDuty's `instanceDetails` of an instance. */
  instanceDetails(instanceId: string): InstanceDetails | undefined {
    return this.instances.get(instanceId);
  }

  enrich(finding: Finding): Finding {
    const resource = finding.resource;
    const known = resource.resourceType === 'Instance' ? resource.instanceDetails : undefined;
    if (known === undefined) return finding;
    const id = known.instanceId;
    const interfaceId = known.networkInterfaces?.[0]?.networkInterfaceId;
    const instanceId =
      (id !== undefined && this.instances.has(id) ? id : undefined) ??
      (id?.startsWith('eni-') ? this.instanceOfInterface.get(id) : undefined) ??
      (interfaceId !== undefined ? this.instanceOfInterface.get(interfaceId) : undefined);
    const details = instanceId === undefined ? undefined : this.instances.get(instanceId);
    if (details === undefined) return finding;
    return { ...finding, resource: { ...resource, instanceDetails: details } };
  }

  private addInstance(instance: Instance): void {
    const instanceId = instance.InstanceId;
    if (instanceId === undefined) return;
    this.instances.set(instanceId, toInstanceDetails(instance));
    const emrClusterId = instance.Tags?.find((t) => t.Key === EMR_CLUSTER_TAG)?.Value;
    for (const nic of instance.NetworkInterfaces ?? []) {
      const interfaceId = nic.NetworkInterfaceId;
      if (interfaceId === undefined) continue;
      const addresses = new Set<string>();
      if (nic.PrivateIpAddress) addresses.add(nic.PrivateIpAddress);
      for (const p of nic.PrivateIpAddresses ?? []) {
        if (p.PrivateIpAddress) addresses.add(p.PrivateIpAddress);
        if (p.Association?.PublicIp) addresses.add(p.Association.PublicIp);
      }
      for (const a of nic.Ipv6Addresses ?? []) if (a.Ipv6Address) addresses.add(a.Ipv6Address);
      if (nic.Association?.PublicIp) addresses.add(nic.Association.PublicIp);
      const info: InterfaceInfo = { interfaceId, instanceId, addresses, ...(emrClusterId ? { emrClusterId } : {}) };
      this.interfaces.set(interfaceId, info);
      this.instanceOfInterface.set(interfaceId, instanceId);
      for (const address of addresses) {
        const holder = this.byAddressMap.get(address);
        this.byAddressMap.set(address, holder === undefined || holder?.interfaceId === interfaceId ? info : null);
      }
    }
  }
}

function parseDocuments(text: string, source: string): DescribeInstancesDocument[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InventoryError(`${source}: the inventory is empty`);
  let values: unknown[];
  try {
    const whole = JSON.parse(trimmed) as unknown;
    values = Array.isArray(whole) ? whole : [whole];
  } catch (wholeError) {
    // Several documents appended one per line (e.g. one describe-instances call per region).
    values = [];
    for (const [index, line] of trimmed.split('\n').entries()) {
      if (line.trim() === '') continue;
      try {
        values.push(JSON.parse(line));
      } catch (cause) {
        throw new InventoryError(`${source}: not describe-instances JSON (line ${index + 1}: ${(cause as Error).message})`, { cause: wholeError });
      }
    }
  }
  const documents = values.filter((v): v is DescribeInstancesDocument => typeof v === 'object' && v !== null && Array.isArray((v as DescribeInstancesDocument).Reservations));
  if (documents.length === 0) throw new InventoryError(`${source}: expected the output of "aws ec2 describe-instances" (an object with "Reservations")`);
  return documents;
}
