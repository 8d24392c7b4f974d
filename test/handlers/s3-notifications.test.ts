import { decodeS3Key, NotificationFormatError, readS3Notification, skipReason } from '../../lambdas/handlers/s3-notifications';
import { s3Notification, S3_TEST_EVENT, snsEnvelope } from '../support/log-samples';

describe('readS3Notification', () => {
  it('reads the objects of a notification sent straight from S3, with keys decoded', () => {
    const body = JSON.stringify(s3Notification('logs', 'flow logs/AWSLogs/111122223333/a+b.log.gz', { size: 10, eTag: 'e1' }));
    expect(readS3Notification(body)).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'logs', key: 'flow logs/AWSLogs/111122223333/a+b.log.gz', size: 10, eTag: 'e1', eventName: 'ObjectCreated:Put' }],
    });
  });

  it('unwraps a notification delivered through SNS', () => {
    const body = JSON.stringify(snsEnvelope(s3Notification('logs', 'k.json.gz', { size: 3 })));
    expect(readS3Notification(body)).toMatchObject({ kind: 'objects', objects: [{ bucket: 'logs', key: 'k.json.gz' }] });
  });

  it('recognises the test event S3 sends when a notification is configured', () => {
    expect(readS3Notification(JSON.stringify(S3_TEST_EVENT))).toEqual({ kind: 'test' });
    expect(readS3Notification(JSON.stringify(snsEnvelope(S3_TEST_EVENT)))).toEqual({ kind: 'test' });
  });

  it('refuses bodies that are not notifications', () => {
    for (const body of ['not json', '[]', '{"Records":"x"}', '{"Records":[{"s3":{}}]}', JSON.stringify(snsEnvelope({ hello: 1 }))]) {
      expect(() => readS3Notification(body)).toThrow(NotificationFormatError);
    }
  });
});

describe('decodeS3Key', () => {
  it('turns + into a space and decodes percent escapes', () => {
    expect(decodeS3Key('my+logs/a%2Bb%3D.gz')).toBe('my logs/a+b=.gz');
  });

  it('refuses broken percent encoding', () => {
    expect(() => decodeS3Key('bad%E0%A4%A')).toThrow(NotificationFormatError);
  });
});

describe('skipReason', () => {
  const ref = (key: string, size = 10, eventName = 'ObjectCreated:Put') => ({ bucket: 'b', key, size, eventName });
  it('reads log files and skips what holds no records', () => {
    expect(skipReason(ref('AWSLogs/1/CloudTrail/us-east-1/2025/01/01/f.json.gz'))).toBeUndefined();
    expect(skipReason(ref('AWSLogs/1/CloudTrail-Digest/us-east-1/2025/01/01/d.json.gz'))).toBe('cloudtrail-digest');
    expect(skipReason(ref('AWSLogs/1/CloudTrail-Insight/us-east-1/2025/01/01/i.json.gz'))).toBe('cloudtrail-insight');
    expect(skipReason(ref('AWSLogs/1/CloudTrail/', 0))).toBe('folder-marker');
    expect(skipReason(ref('AWSLogs/1/vpcflowlogs/x.log.gz', 0))).toBe('empty-object');
    expect(skipReason(ref('AWSLogs/1/vpcflowlogs/x.log.gz', 10, 'ObjectRemoved:Delete'))).toBe('not-created');
  });
});
