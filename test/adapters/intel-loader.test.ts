import { IntelLoadError, ObjectNotFoundError } from '../../lambdas/adapters/errors';
import { loadIntelFromBucket } from '../../lambdas/adapters/intel-loader';

function reader(objects: Record<string, string>) {
  return {
    async readText(bucket: string, key: string) {
      const text = objects[`${bucket}/${key}`];
      if (text === undefined) throw new ObjectNotFoundError(bucket, key);
      return text;
    },
  };
}

describe('loadIntelFromBucket', () => {
  it('loads threat and trusted lists from the intel bucket into one registry', async () => {
    const { intel, reports, failures } = await loadIntelFromBucket({
      reader: reader({ 'intel/lists/bad.txt': '198.51.100.0/24\n', 'intel/lists/office.txt': '198.51.100.10\n' }),
      bucket: 'intel',
      lists: [
        { key: 'lists/bad.txt', name: 'bad-ips', category: 'custom', kind: 'threat' },
        { key: 'lists/office.txt', name: 'office', category: 'custom', kind: 'trusted' },
      ],
    });
    expect(failures).toEqual([]);
    expect(reports.map((r) => [r.name, r.entries])).toEqual([
      ['bad-ips', 1],
      ['office', 1],
    ]);
    expect(intel.matchIp('198.51.100.7').map((m) => m.listName)).toEqual(['bad-ips']);
    expect(intel.isTrustedIp('198.51.100.10')).toBe(true);
  });

  it('leaves out a list it cannot read, reports it, and loads the others', async () => {
    const { intel, failures } = await loadIntelFromBucket({
      reader: reader({ 'intel/lists/bad.txt': '198.51.100.7\n' }),
      bucket: 'intel',
      lists: [
        { key: 'lists/missing.txt', name: 'missing', category: 'custom', kind: 'threat' },
        { key: 'lists/bad.txt', name: 'bad-ips', category: 'custom', kind: 'threat' },
      ],
    });
    expect(failures.map((f) => [f.list.name, f.error])).toEqual([['missing', expect.any(IntelLoadError)]]);
    expect(failures[0]!.error.cause).toBeInstanceOf(ObjectNotFoundError);
    expect(intel.matchIp('198.51.100.7')).toHaveLength(1);
  });
});
