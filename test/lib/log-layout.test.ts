import fc from 'fast-check';
import { logKeyPrefix, mergeOverlappingFilters, notificationFilter, type KeyFilter } from '../../lib/log-layout';

describe('log key layout', () => {
  it('puts logs below AWSLogs/ at the bucket root when no prefix is configured', () => {
    expect(logKeyPrefix(undefined)).toBe('AWSLogs/');
  });

  it('puts logs below <prefix>/AWSLogs/ when the trail or flow log has a prefix', () => {
    expect(logKeyPrefix('org/trail')).toBe('org/trail/AWSLogs/');
  });

  it('selects CloudTrail files by .json.gz and flow and Resolver files by .log.gz', () => {
    expect(notificationFilter('cloudTrail', 'trail')).toEqual({ prefix: 'trail/AWSLogs/', suffix: '.json.gz' });
    expect(notificationFilter('vpcFlow', undefined)).toEqual({ prefix: 'AWSLogs/', suffix: '.log.gz' });
    expect(notificationFilter('resolver', undefined)).toEqual({ prefix: 'AWSLogs/', suffix: '.log.gz' });
  });
});

describe('mergeOverlappingFilters', () => {
  it('merges flow and Resolver logs sharing a bucket into one notification', () => {
    expect(mergeOverlappingFilters([notificationFilter('vpcFlow', undefined), notificationFilter('resolver', undefined)])).toEqual([{ prefix: 'AWSLogs/', suffix: '.log.gz' }]);
  });

  it('keeps CloudTrail apart from flow logs below the same prefix, since their suffixes do not overlap', () => {
    const filters = [notificationFilter('cloudTrail', undefined), notificationFilter('vpcFlow', undefined)];
    expect(mergeOverlappingFilters(filters)).toEqual(filters);
  });

  it('keeps filters whose prefixes are disjoint', () => {
    const filters = [notificationFilter('vpcFlow', 'flow'), notificationFilter('resolver', 'dns')];
    expect(mergeOverlappingFilters(filters)).toEqual(filters);
  });

  it('widens nested prefixes with overlapping suffixes to the shorter prefix and suffix', () => {
    expect(mergeOverlappingFilters([{ prefix: 'AWSLogs/o-1/', suffix: '.log.gz' }, { prefix: 'AWSLogs/', suffix: '.gz' }])).toEqual([{ prefix: 'AWSLogs/', suffix: '.gz' }]);
  });

  it('merges again when a widened filter comes to overlap one kept earlier', () => {
    const filters = [
      { prefix: 'a/', suffix: '.log.gz' },
      { prefix: 'b/', suffix: '.gz' },
      { prefix: '', suffix: '.log.gz' },
    ];
    expect(mergeOverlappingFilters(filters)).toEqual([{ prefix: '', suffix: '.gz' }]);
  });

  it('leaves no two overlapping filters, and every input is covered by an output (any input)', () => {
    const segment = fc.constantFrom('', 'a', 'b', 'AWSLogs/', 'o-1/', 'x/');
    const suffix = fc.constantFrom('', '.gz', '.log.gz', '.json.gz', 'z');
    const filter = fc.record({ prefix: fc.array(segment, { maxLength: 3 }).map((parts) => parts.join('')), suffix });
    fc.assert(
      fc.property(fc.array(filter, { maxLength: 8 }), (filters: KeyFilter[]) => {
        const merged = mergeOverlappingFilters(filters);
        for (const [i, a] of merged.entries()) {
          for (const b of merged.slice(i + 1)) {
            const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
            const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
            expect(prefixes && suffixes).toBe(false);
          }
        }
        for (const input of filters) {
          expect(merged.some((out) => input.prefix.startsWith(out.prefix) && input.suffix.endsWith(out.suffix))).toBe(true);
        }
      }),
    );
  });
});
