/**
 * The Tor directory authorities: the handful of relays every Tor client contacts first (to fetch the
 * consensus), hard-coded in the Tor source. An instance that connects to one is, with near certainty,
 * running a Tor client or relay — GuardDuty's UnauthorizedAccess:EC2/TorClient names "Guard or Authority"
 * nodes. Guards change daily and come from a feed (`--intel tor-relay=FILE`); the authorities change
 * rarely (the list below had one removal in the last years), which is why they ship with Vigil.
 *
 * Source: torproject/tor, `src/app/config/auth_dirs.inc` at commit bb9f2ea8fb02239e10f52ce03f2cad1073f96158
 * (the bridge authority Serge is included: bridges fetch descriptors from it). When Tor moves an
 * authority, update this list from that file.
 */
import { canonicalIp, parseIpv4 } from '../ip';

export interface TorAuthority {
  readonly nickname: string;
  /** IPv4 and, where published, IPv6 addresses. */
  readonly addresses: readonly string[];
}

export const TOR_DIRECTORY_AUTHORITIES: readonly TorAuthority[] = Object.freeze([
  { nickname: 'moria1', addresses: ['128.31.0.39'] },
  { nickname: 'tor26', addresses: ['86.59.21.38', '2001:858:2:2:aabb:0:563b:1526'] },
  { nickname: 'dizum', addresses: ['45.66.35.11'] },
  { nickname: 'Serge', addresses: ['66.111.2.131'] },
  { nickname: 'gabelmoo', addresses: ['131.188.40.189', '2001:638:a000:4140::ffff:189'] },
  { nickname: 'dannenberg', addresses: ['193.23.244.244', '2001:678:558:1000::244'] },
  { nickname: 'maatuska', addresses: ['171.25.193.9', '2001:67c:289c::9'] },
  { nickname: 'longclaw', addresses: ['199.58.81.140'] },
  { nickname: 'bastet', addresses: ['204.13.164.118', '2620:13:4000:6000::1000:118'] },
]);

const BY_ADDRESS: ReadonlyMap<string, TorAuthority> = new Map(TOR_DIRECTORY_AUTHORITIES.flatMap((a) => a.addresses.map((ip) => [canonicalIp(ip)!, a] as const)));

const BY_IPV4: ReadonlyMap<number, TorAuthority> = new Map(
  TOR_DIRECTORY_AUTHORITIES.flatMap((a) => a.addresses.filter((ip) => parseIpv4(ip) >= 0).map((ip) => [parseIpv4(ip), a] as const)),
);

/** The directory authority at this IPv4 address (as a number, see `parseIpv4`), if any. */
export function torAuthorityAtIpv4(address: number): TorAuthority | undefined {
  return BY_IPV4.get(address);
}

/** The directory authority at this address, if any. */
export function torAuthorityAt(ip: string): TorAuthority | undefined {
  const direct = BY_ADDRESS.get(ip);
  if (direct !== undefined || !ip.includes(':')) return direct;
  const canonical = canonicalIp(ip);
  return canonical === undefined ? undefined : BY_ADDRESS.get(canonical);
}
