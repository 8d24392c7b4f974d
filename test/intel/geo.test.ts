import type { Finding, FindingAction } from '../../lambdas/engine/finding';
import { countryName, isGeolocatable, RemoteIpEnricher, withGeo, type GeoLookup, type GeoRecord } from '../../lambdas/intel/geo';

const KNOWN: Record<string, GeoRecord> = {
  '8.8.8.8': { countryCode: 'US', asn: 15169, asnOrg: 'Google LLC' },
  '2a00:1450:4001::1': { countryCode: 'IE', countryName: 'Ireland', cityName: 'Dublin', latitude: 53.35, longitude: -6.26, asn: 15169, asnOrg: 'Google LLC' },
  '203.0.113.9': { countryCode: 'AU' },
  '10.1.2.3': { countryCode: 'ZZ' },
};

class FakeGeo implements GeoLookup {
  readonly asked: string[] = [];
  lookup(ip: string): GeoRecord | undefined {
    this.asked.push(ip);
    return KNOWN[ip];
  }
}

function finding(action: FindingAction): Finding {
  return {
    schemaVersion: '2.0',
    accountId: '111122223333',
    region: 'us-east-1',
    partition: 'aws',
    id: 'a'.repeat(32),
    arn: 'arn',
    type: 'Backdoor:EC2/C&CActivity.B',
    severity: 8,
    title: 't',
    description: 'd',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    resource: { resourceType: 'Instance' },
    service: { serviceName: 'guardduty', detectorId: 'd', resourceRole: 'ACTOR', archived: false, count: 1, eventFirstSeen: 'x', eventLastSeen: 'y', action },
  };
}

describe('geo enrichment of remote addresses', () => {
  it('fills country, organisation and (when known) city and coordinates of a network connection', () => {
    const enricher = new RemoteIpEnricher(new FakeGeo());
    const v4 = enricher.enrich(finding({ actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV4: '8.8.8.8' } } }));
    expect(v4.service.action.networkConnectionAction?.remoteIpDetails).toEqual({
      ipAddressV4: '8.8.8.8',
      country: { countryCode: 'US', countryName: 'United States' },
      organization: { asn: '15169', asnOrg: 'Google LLC', isp: 'Google LLC', org: 'Google LLC' },
    });
    const v6 = enricher.enrich(finding({ actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: { ipAddressV6: '2a00:1450:4001::1' } } }));
    expect(v6.service.action.networkConnectionAction?.remoteIpDetails).toMatchObject({ city: { cityName: 'Dublin' }, geoLocation: { lat: 53.35, lon: -6.26 }, country: { countryName: 'Ireland' } });
  });

  it('enriches every probing address of a port probe and the caller of an API call', () => {
    const enricher = new RemoteIpEnricher(new FakeGeo());
    const probe = enricher.enrich(
      finding({
        actionType: 'PORT_PROBE',
        portProbeAction: { portProbeDetails: [{ remoteIpDetails: { ipAddressV4: '8.8.8.8' } }, { remoteIpDetails: { ipAddressV4: '192.0.2.1' } }] },
      }),
    );
    const details = probe.service.action.portProbeAction!.portProbeDetails!;
    expect(details[0]!.remoteIpDetails?.country?.countryCode).toBe('US');
    expect(details[1]!.remoteIpDetails).toEqual({ ipAddressV4: '192.0.2.1' });
    const api = enricher.enrich(finding({ actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'ListBuckets', remoteIpDetails: { ipAddressV4: '8.8.8.8' } } }));
    expect(api.service.action.awsApiCallAction?.remoteIpDetails?.organization?.asn).toBe('15169');
  });

  it('never looks up private, reserved or documentation addresses, and returns the same finding untouched', () => {
    const geo = new FakeGeo();
    const enricher = new RemoteIpEnricher(geo);
    for (const ip of ['10.1.2.3', '203.0.113.9', '169.254.169.254', '::1']) {
      const input = finding({ actionType: 'NETWORK_CONNECTION', networkConnectionAction: { remoteIpDetails: ip.includes(':') ? { ipAddressV6: ip } : { ipAddressV4: ip } } });
      expect(enricher.enrich(input)).toBe(input);
    }
    expect(geo.asked).toEqual([]);
    expect(isGeolocatable('8.8.8.8')).toBe(true);
    expect(isGeolocatable('198.51.100.1')).toBe(false);
  });

  it('keeps details that are already there and names countries in English', () => {
    expect(withGeo({ ipAddressV4: '8.8.8.8', country: { countryName: 'Kept' } }, { countryCode: 'US' }).country).toEqual({ countryName: 'Kept' });
    expect(countryName('de')).toBe('Germany');
    expect(countryName('not a code')).toBeUndefined();
  });
});
