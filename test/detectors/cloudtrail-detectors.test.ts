import cloudTrailLoggingDisabled from '../../lambdas/detectors/cloudtrail-logging-disabled';
import { apiCall } from '../../lambdas/detectors/common/fixtures';
import iamMaliciousIpCaller from '../../lambdas/detectors/malicious-ip-caller';
import rootCredentialUsage from '../../lambdas/detectors/root-credential-usage';
import { runCase } from './harness';

describe('CloudTrail detectors', () => {
  it('root credential usage names the root principal, the API and the caller address', async () => {
    const [finding] = await runCase(rootCredentialUsage, {
      events: [apiCall({ eventName: 'ListBuckets', eventSource: 's3.amazonaws.com', sourceIp: '198.51.100.5', identity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accessKeyId: 'ASIAROOT' } })],
    });
    expect(finding).toMatchObject({
      type: 'Policy:IAMUser/RootCredentialUsage',
      severity: 2,
      resource: { resourceType: 'AccessKey', accessKeyDetails: { userType: 'Root', principalId: '111122223333', accessKeyId: 'ASIAROOT', userName: 'Root' } },
      service: { resourceRole: 'TARGET', action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'ListBuckets', serviceName: 's3.amazonaws.com', callerType: 'Remote IP', remoteIpDetails: { ipAddressV4: '198.51.100.5' } } } },
    });
  });

  it('CloudTrail logging disabled records the trail name', async () => {
    const [finding] = await runCase(cloudTrailLoggingDisabled, { events: [apiCall({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com', requestParameters: { name: 'management' } })] });
    expect(finding).toMatchObject({ type: 'Stealth:IAMUser/CloudTrailLoggingDisabled', severity: 2, service: { additionalInfo: { trailName: 'management' } } });
    expect(finding!.title).toContain('management');
  });

  it('a caller on a custom threat list puts the list name in additionalInfo and evidence', async () => {
    const [finding] = await runCase(iamMaliciousIpCaller, {
      intel: [{ name: 'known-bad', category: 'custom', kind: 'threat', entries: ['203.0.113.0/24'] }],
      events: [apiCall({ eventName: 'CreateUser', readOnly: false, sourceIp: '203.0.113.9' })],
    });
    expect(finding).toMatchObject({
      type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom',
      severity: 5,
      service: {
        additionalInfo: { threatListName: 'known-bad' },
        evidence: { threatIntelligenceDetails: [{ threatListName: 'known-bad' }] },
        action: { awsApiCallAction: { remoteIpDetails: { ipAddressV4: '203.0.113.9' } } },
      },
    });
  });

  it('a trusted list wins over a threat list for the same address', async () => {
    const findings = await runCase(iamMaliciousIpCaller, {
      intel: [
        { name: 'known-bad', category: 'custom', kind: 'threat', entries: ['203.0.113.0/24'] },
        { name: 'office', category: 'trusted', kind: 'trusted', entries: ['203.0.113.9'] },
      ],
      events: [apiCall({ eventName: 'CreateUser', readOnly: false, sourceIp: '203.0.113.9' })],
    });
    expect(findings).toEqual([]);
  });
});
