import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GEO_DATA_ATTRIBUTION, GeoDataError, lazyGeoEnricher, OfflineGeoData } from '../../lambdas/adapters/geo-data';
import type { Finding } from '../../lambdas/engine/finding';

describe('offline geo data (bundled ip-location-db packages)', () => {
  let geo: OfflineGeoData;
  beforeAll(async () => {
    geo = await OfflineGeoData.load();
  });

  it('knows the country and network of well-known public addresses, IPv4 and IPv6', () => {
    expect(geo.lookup('8.8.8.8')).toEqual({ countryCode: 'US', countryName: 'United States', asn: 15169, asnOrg: 'Google LLC' });
    expect(geo.lookup('1.1.1.1')).toMatchObject({ asn: 13335, asnOrg: 'Cloudflare, Inc.' });
    expect(geo.lookup('52.94.76.1')).toMatchObject({ countryCode: 'US', asn: 16509 });
    expect(geo.lookup('2001:4860:4860::8888')).toMatchObject({ countryCode: 'US', asn: 15169 });
    expect(geo.lookup('::ffff:8.8.8.8')).toMatchObject({ countryCode: 'US', asn: 15169 });
  });

  it('knows nothing of private addresses or text that is not an address', () => {
    expect(geo.lookup('10.1.2.3')).toBeUndefined();
    expect(geo.lookup('not-an-ip')).toBeUndefined();
  });

  it('names its sources for attribution', () => {
    expect(GEO_DATA_ATTRIBUTION).toMatch(/DB-IP/);
    expect(GEO_DATA_ATTRIBUTION).toMatch(/RouteViews/);
    expect(GEO_DATA_ATTRIBUTION).toMatch(/CC BY 4\.0/);
  });

  it('reads user-supplied ASN files and rejects broken ones with a typed error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-geo-'));
    writeFileSync(join(dir, 'v4.csv'), '3221225472,3221225727,64500,"Example, Inc."\n3221226240,3221226495,64501,Ex\u00e4mple GmbH\n');
    writeFileSync(join(dir, 'v6.csv'), '2001:db8::,2001:db8::ffff,64502,Six\n');
    const custom = await OfflineGeoData.load({ asnIpv4Csv: join(dir, 'v4.csv'), asnIpv6Csv: join(dir, 'v6.csv') });
    expect(custom.lookup('192.0.0.7')).toMatchObject({ asn: 64500, asnOrg: 'Example, Inc.' });
    expect(custom.lookup('192.0.3.1')).toMatchObject({ asnOrg: 'Exämple GmbH' });
    expect(custom.lookup('2001:db8::1')).toMatchObject({ asn: 64502 });
    writeFileSync(join(dir, 'bad.csv'), 'oops\n');
    await expect(OfflineGeoData.load({ asnIpv4Csv: join(dir, 'bad.csv') })).rejects.toThrow(GeoDataError);
    await expect(OfflineGeoData.load({ countryDatabase: join(dir, 'v4.csv'), asn: false })).rejects.toThrow(/MaxMind/);
  });

  it('loads lazily inside the enricher, and a failed load leaves findings as they are', async () => {
    const errors: Error[] = [];
    const broken = lazyGeoEnricher({ countryDatabase: '/nonexistent.mmdb', asn: false }, (e) => errors.push(e));
    const input = { service: { action: { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '8.8.8.8' } } } } } as unknown as Finding;
    expect(await broken.enrich(input)).toBe(input);
    expect(await broken.enrich(input)).toBe(input);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(GeoDataError);
  });

  it('does not load the data for findings whose remote addresses cannot be geolocated', async () => {
    const errors: Error[] = [];
    const broken = lazyGeoEnricher({ countryDatabase: '/nonexistent.mmdb', asn: false }, (e) => errors.push(e));
    const documentation = { service: { action: { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '198.51.100.7' } } } } } as unknown as Finding;
    const dns = { service: { action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: 'example.com' } } } } as unknown as Finding;
    expect(await broken.enrich(documentation)).toBe(documentation);
    expect(await broken.enrich(dns)).toBe(dns);
    expect(errors).toEqual([]);
  });
});
