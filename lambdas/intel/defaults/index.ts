/**
 * Curated default intelligence that ships with Vigil: small sets of stable, documented facts that detectors
 * use when no feed is loaded. Each module names its sources.
 */
export * from './dns-resolvers';
export * from './tor-authorities';
export * from './mining-ports';
export * from './guardduty-test-domains';
