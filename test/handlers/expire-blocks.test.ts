import { GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoBlockRegistry } from '../../lambdas/adapters/block-registry';
import { WafIpSetGateway } from '../../lambdas/adapters/wafv2-ip-sets';
import { createExpireHandler } from '../../lambdas/handlers/expire-blocks';
import { BlockMaintenance } from '../../lambdas/response/maintenance';
import { REGIONAL_V4, wafRecord } from '../support/response-findings';
import { startBlockRegistryTable, type BlockRegistryTable } from '../support/response-dynalite';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const waf = mockClient(WAFV2Client);
const NOW = Date.UTC(2026, 2, 2);
let table: BlockRegistryTable;
beforeAll(async () => {
  table = await startBlockRegistryTable('vigil-blocks-expiry');
});
afterAll(async () => {
  await table?.close();
});

describe('expire-blocks handler', () => {
  it('removes exactly the expired blocks from the IP set and marks them expired', async () => {
    const registry = new DynamoBlockRegistry({ client: table.documentClient, tableName: table.tableName });
    await registry.put([
      wafRecord('45.1.1.1/32', NOW - 7_200_000, NOW - 60_000),
      wafRecord('45.1.1.2/32', NOW - 7_200_000, NOW - 1),
      wafRecord('45.1.1.3/32', NOW - 7_200_000, NOW + 60_000),
    ]);
    waf.on(GetIPSetCommand).resolves({ LockToken: 'lock', IPSet: { Name: REGIONAL_V4.name, Id: REGIONAL_V4.id, ARN: 'arn', IPAddressVersion: 'IPV4', Addresses: ['45.1.1.1/32', '45.1.1.2/32', '45.1.1.3/32', '203.0.113.0/24'] } });
    waf.on(UpdateIPSetCommand).resolves({});
    const maintenance = new BlockMaintenance({ registry, waf: new WafIpSetGateway({ regional: new WAFV2Client({ region: 'eu-west-1' }) }), clock: () => NOW });
    const expire = createExpireHandler({ maintenance, logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: 'VigilTest' }) });

    expect(await expire({})).toEqual({ expired: 2, failedTargets: [] });
    expect(waf).toHaveReceivedCommandTimes(UpdateIPSetCommand, 1);
    expect(waf).toHaveReceivedCommandWith(UpdateIPSetCommand, { Addresses: ['45.1.1.3/32', '203.0.113.0/24'], LockToken: 'lock' });
    const statuses = Object.fromEntries((await registry.list()).map((r) => [r.address, r.status]));
    expect(statuses).toEqual({ '45.1.1.1/32': 'expired', '45.1.1.2/32': 'expired', '45.1.1.3/32': 'active' });
    expect(await registry.listDue(NOW, 10)).toEqual([]);
  });
});
