import { detectFormat } from '../../lambdas/parsers';

const noFormat = { flowFormatGiven: false };

describe('detectFormat', () => {
  it.each([
    ['{"Records":[]}', 'cloudtrail-file'],
    ['\ufeff \n {"Records":[{"eventVersion":"1.08"}]}', 'cloudtrail-file'],
    [`{"meta":{"logFiles":[]},"x":"${'y'.repeat(10_000)}","Records":[]}`, 'cloudtrail-file'],
    ['{"awsAccountId":"111122223333","logFiles":[]}', 'cloudtrail-digest'],
    ['{"messageType":"DATA_MESSAGE","logEvents":[]}', 'cwl-subscription'],
    ['{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{"eventVersion":"1.08"}}', 'eventbridge'],
    ['[\n  {"version":"0","detail-type":"AWS API Call via CloudTrail"}\n]', 'eventbridge'],
    ['{"eventVersion":"1.08","requestParameters":{"Records":[1]}}', 'cloudtrail-records'],
    ['[{"eventSource":"iam.amazonaws.com","eventName":"CreateUser"}]', 'cloudtrail-records'],
    ['{"version":"1.100000","query_name":"example.com."}', 'dns-jsonl'],
    ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n', 'vpcflow'],
    ['srcaddr dstaddr srcport dstport protocol packets bytes start end action\r\n', 'vpcflow'],
    ['2 111122223333 eni-0a1b 198.51.100.23 10.0.1.15 51544 22 6 10 840 1735718400 1735718460 REJECT OK\n', 'vpcflow'],
    ['', 'empty'],
    [' \r\n\t', 'empty'],
    ['{"hello":"world"}', 'unknown'],
    ['hello world\n', 'unknown'],
    ['2 111122223333 eni-0a1b\n', 'unknown'],
    ['\u0000\u0001\u0002', 'unknown'],
  ])('classifies %p as %s', (text, format) => {
    expect(detectFormat(Buffer.from(text), noFormat)).toBe(format);
  });

  it('takes printable headerless text for flow records when a flow format is given', () => {
    expect(detectFormat(Buffer.from('10.0.0.1 10.0.0.2 443 5000 6\n'), { flowFormatGiven: true })).toBe('vpcflow');
    expect(detectFormat(Buffer.from('\u0000\u0001 binary'), { flowFormatGiven: true })).toBe('unknown');
  });
});
