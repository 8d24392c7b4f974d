/**
 * Looks up EC2 instances (by instance id, or by the network interface a flow log names) and describes them
 * in GuardDuty's `resource.instanceDetails` shape: type, image, launch time, profile, tags, and every
 * network interface with its addresses and security groups.
 *
 * Answers are cached per Lambda container with a TTL, misses included, so a batch that names the same
 * ENI ten thousand times costs at most one DescribeNetworkInterfaces and one DescribeInstances. Filters
 * are used instead of id lists because an id list fails the whole call when one instance is gone.
 *
 * @example
 * const directory = new Ec2InstanceDirectory({ client: new EC2Client({}) });
 * const details = await directory.byNetworkInterface(['eni-0a1b2c3d4e5f60718']);
 * details.get('eni-0a1b2c3d4e5f60718')?.instanceType // 't3.micro'
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { FindingResource } from '../engine/finding';
import { InstanceLookupError } from './errors';

/** `resource.instanceDetails` of a GuardDuty finding. */
export type InstanceDetails = NonNullable<FindingResource['instanceDetails']>;

export interface Ec2InstanceDirectoryOptions {
  readonly client: EC2Client;
  /** How long an answer (found or not) is reused. @default 300_000 (5 minutes) */
  readonly ttlMs?: number;
  /** Most cached answers; the oldest go first. @default 5_000 */
  readonly maxEntries?: number;
  /** Wall clock (ms) for the cache. @default Date.now */
  readonly clock?: () => number;
}

/** Values per filter in one Describe call (EC2 accepts up to 200). */
const IDS_PER_CALL = 100;

interface CacheEntry {
  readonly value: InstanceDetails | null;
  readonly expiresAt: number;
}

export class Ec2InstanceDirectory {
  private readonly client: EC2Client;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  private readonly byInstanceCache = new Map<string, CacheEntry>();
  private readonly eniToInstance = new Map<string, { readonly instanceId: string | null; readonly expiresAt: number }>();

  constructor(options: Ec2InstanceDirectoryOptions) {
    this.client = options.client;
    this.ttlMs = options.ttlMs ?? 300_000;
    this.maxEntries = options.maxEntries ?? 5_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Details by instance id; `null` for an instance EC2 does not know (terminated long ago, other account). */
  async byInstance(instanceIds: readonly string[]): Promise<Map<string, InstanceDetails | null>> {
    const now = this.clock();
    const out = new Map<string, InstanceDetails | null>();
    const missing: string[] = [];
    for (const id of new Set(instanceIds)) {
      const hit = this.byInstanceCache.get(id);
      if (hit && hit.expiresAt > now) out.set(id, hit.value);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += IDS_PER_CALL) {
      const ids = missing.slice(i, i + IDS_PER_CALL);
      const found = await this.describeInstances(ids);
      for (const id of ids) {
        const value = found.get(id) ?? null;
        remember(this.byInstanceCache, id, { value, expiresAt: now + this.ttlMs }, this.maxEntries);
        out.set(id, value);
      }
    }
    return out;
  }

  /** Details of the instance each network interface is attached to; `null` when it is not attached to one. */
  async byNetworkInterface(eniIds: readonly string[]): Promise<Map<string, InstanceDetails | null>> {
    const now = this.clock();
    const instanceOf = new Map<string, string | null>();
    const missing: string[] = [];
    for (const eni of new Set(eniIds)) {
      const hit = this.eniToInstance.get(eni);
      if (hit && hit.expiresAt > now) instanceOf.set(eni, hit.instanceId);
      else missing.push(eni);
    }
    for (let i = 0; i < missing.length; i += IDS_PER_CALL) {
      const enis = missing.slice(i, i + IDS_PER_CALL);
      const attached = await this.describeInterfaces(enis);
      for (const eni of enis) {
        const instanceId = attached.get(eni) ?? null;
        remember(this.eniToInstance, eni, { instanceId, expiresAt: now + this.ttlMs }, this.maxEntries);
        instanceOf.set(eni, instanceId);
      }
    }
    const instanceIds = [...instanceOf.values()].filter((id): id is string => id !== null);
    const details = instanceIds.length > 0 ? await this.byInstance(instanceIds) : new Map<string, InstanceDetails | null>();
    const out = new Map<string, InstanceDetails | null>();
    for (const [eni, instanceId] of instanceOf) out.set(eni, instanceId ? (details.get(instanceId) ?? null) : null);
    return out;
  }

  private async describeInstances(ids: readonly string[]): Promise<Map<string, InstanceDetails>> {
    const out = new Map<string, InstanceDetails>();
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [...ids] }], ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            if (instance.InstanceId) out.set(instance.InstanceId, toInstanceDetails(instance));
          }
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw new InstanceLookupError(`DescribeInstances failed for ${ids.length} instance(s)`, { cause: error });
    }
    return out;
  }

  private async describeInterfaces(enis: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [...enis] }], ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        for (const eni of page.NetworkInterfaces ?? []) {
          const instanceId = eni.Attachment?.InstanceId;
          if (eni.NetworkInterfaceId && instanceId) out.set(eni.NetworkInterfaceId, instanceId);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw new InstanceLookupError(`DescribeNetworkInterfaces failed for ${enis.length} interface(s)`, { cause: error });
    }
    return out;
  }
}

/** Maps an EC2 `Instance` to GuardDuty's `instanceDetails` (wire form: camelCase keys, ISO times). */
export function toInstanceDetails(instance: Instance): InstanceDetails {
  const details: InstanceDetails = {
    instanceId: instance.InstanceId,
    instanceType: instance.InstanceType,
    instanceState: instance.State?.Name,
    imageId: instance.ImageId,
    availabilityZone: instance.Placement?.AvailabilityZone,
    launchTime: instance.LaunchTime ? new Date(instance.LaunchTime).toISOString() : undefined,
    platform: instance.Platform,
    outpostArn: instance.OutpostArn,
    iamInstanceProfile: instance.IamInstanceProfile ? { arn: instance.IamInstanceProfile.Arn, id: instance.IamInstanceProfile.Id } : undefined,
    productCodes: instance.ProductCodes?.map((p) => ({ code: p.ProductCodeId, productType: p.ProductCodeType })),
    tags: instance.Tags?.map((t) => ({ key: t.Key, value: t.Value })),
    networkInterfaces: instance.NetworkInterfaces?.map((n) => ({
      networkInterfaceId: n.NetworkInterfaceId,
      privateDnsName: n.PrivateDnsName,
      privateIpAddress: n.PrivateIpAddress,
      privateIpAddresses: n.PrivateIpAddresses?.map((p) => ({ privateDnsName: p.PrivateDnsName, privateIpAddress: p.PrivateIpAddress })),
      ipv6Addresses: n.Ipv6Addresses?.map((a) => a.Ipv6Address).filter((a): a is string => a !== undefined),
      publicIp: n.Association?.PublicIp,
      publicDnsName: n.Association?.PublicDnsName,
      securityGroups: n.Groups?.map((g) => ({ groupId: g.GroupId, groupName: g.GroupName })),
      subnetId: n.SubnetId,
      vpcId: n.VpcId,
    })),
  };
  return withoutUndefined(details);
}

function remember<V>(cache: Map<string, V>, key: string, value: V, maxEntries: number): void {
  cache.delete(key);
  cache.set(key, value);
  while (cache.size > maxEntries) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/** Findings are stored and published as JSON; leaving `undefined` out keeps them identical on every path. */
function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
