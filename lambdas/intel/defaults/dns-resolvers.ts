/**
 * Well-known public DNS resolvers and the encrypted-DNS protocols they serve, for the DNS defence-evasion
 * findings (UnusualDNSResolver, UnusualDoHActivity, UnusualDoTActivity).
 *
 * Why a curated list: DNS-over-HTTPS runs on port 443 like any web traffic, so only the server's address
 * tells a DoH exchange apart from a page load. Plain DNS (port 53) and DNS-over-TLS (port 853, RFC 7858)
 * have ports of their own and are recognised on any public address; this list only names them.
 *
 * The addresses are anycast service addresses that their operators publish and have kept for years (the
 * stable facts the list is limited to). Sources (the operators' own documentation):
 * - Google Public DNS: https://developers.google.com/speed/public-dns/docs/using (DoH `dns.google/dns-query`,
 *   DoT `dns.google`) — https://developers.google.com/speed/public-dns/docs/secure-transports
 * - Cloudflare 1.1.1.1: https://developers.cloudflare.com/1.1.1.1/ip-addresses/ and
 *   https://developers.cloudflare.com/1.1.1.1/encryption/ (DoH and DoT on all service addresses, including
 *   the 1.1.1.2/1.1.1.3 "for Families" addresses)
 * - Quad9: https://www.quad9.net/service/service-addresses-and-features (DoH and DoT)
 * - Cisco OpenDNS: https://www.opendns.com/setupguide/ (DoH at doh.opendns.com; DoT is not claimed here,
 *   which only affects the resolver's description: port 853 is recognised on any address)
 * - AdGuard DNS: https://adguard-dns.io/kb/general/dns-providers/ (DoH and DoT)
 *
 * Extend or replace it per deployment with detector settings (`network-baselines.extraDohServers`).
 */
import { canonicalIp } from '../ip';

/** A public resolver service address. */
export interface PublicResolver {
  readonly address: string;
  readonly provider: string;
  /** Serves DNS-over-HTTPS on TCP 443. */
  readonly doh: boolean;
  /** Serves DNS-over-TLS on TCP 853. */
  readonly dot: boolean;
  /** Where the operator documents the address. */
  readonly source: string;
}

const GOOGLE = 'https://developers.google.com/speed/public-dns/docs/using';
const CLOUDFLARE = 'https://developers.cloudflare.com/1.1.1.1/ip-addresses/';
const QUAD9 = 'https://www.quad9.net/service/service-addresses-and-features';
const OPENDNS = 'https://www.opendns.com/setupguide/';
const ADGUARD = 'https://adguard-dns.io/kb/general/dns-providers/';

const resolver = (address: string, provider: string, doh: boolean, dot: boolean, source: string): PublicResolver => ({ address, provider, doh, dot, source });

/** The curated public resolvers (IPv4 and IPv6 service addresses). */
export const PUBLIC_RESOLVERS: readonly PublicResolver[] = Object.freeze([
  ...['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'].map((a) => resolver(a, 'Google Public DNS', true, true, GOOGLE)),
  ...['1.1.1.1', '1.0.0.1', '1.1.1.2', '1.0.0.2', '1.1.1.3', '1.0.0.3', '2606:4700:4700::1111', '2606:4700:4700::1001'].map((a) =>
    resolver(a, 'Cloudflare', true, true, CLOUDFLARE),
  ),
  ...['9.9.9.9', '149.112.112.112', '9.9.9.10', '149.112.112.10', '9.9.9.11', '149.112.112.11', '2620:fe::fe', '2620:fe::9'].map((a) =>
    resolver(a, 'Quad9', true, true, QUAD9),
  ),
  ...['208.67.222.222', '208.67.220.220', '2620:119:35::35', '2620:119:53::53'].map((a) => resolver(a, 'Cisco OpenDNS', true, false, OPENDNS)),
  ...['94.140.14.14', '94.140.15.15', '2a10:50c0::ad1:ff', '2a10:50c0::ad2:ff'].map((a) => resolver(a, 'AdGuard DNS', true, true, ADGUARD)),
]);

const BY_ADDRESS: ReadonlyMap<string, PublicResolver> = new Map(PUBLIC_RESOLVERS.map((r) => [canonicalIp(r.address)!, r]));

/** The curated resolver at this address, if any (IPv6 in any textual form). */
export function publicResolverAt(ip: string): PublicResolver | undefined {
  const direct = BY_ADDRESS.get(ip);
  if (direct !== undefined || !ip.includes(':')) return direct;
  const canonical = canonicalIp(ip);
  return canonical === undefined ? undefined : BY_ADDRESS.get(canonical);
}
