/**
 * The intelligence layer's public surface: list parsing, IP/CIDR/domain matching and the registry behind the
 * engine's {@link IntelLookup} port. Import from here rather than from the individual modules.
 */
export * from './types';
export * from './errors';
export * from './ip';
export { parseCidr, type IpRange, type Ipv4Range, type Ipv6Range } from './cidr';
export { CidrSet, CidrSetBuilder } from './cidr-set';
export { DomainSet, DomainSetBuilder, normalizeDomain } from './domain-set';
export * from './lists';
export * from './registry';
