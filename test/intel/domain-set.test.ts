import fc from 'fast-check';
import { DomainSet, DomainSetBuilder, normalizeDomain } from '../../lambdas/intel/domain-set';
import { IntelEntryError } from '../../lambdas/intel/errors';

describe('normalizeDomain', () => {
  it.each([
    ['Evil.Example', 'evil.example'],
    ['evil.example.', 'evil.example'],
    ['*.evil.example', 'evil.example'],
    ['_dmarc.evil.example', '_dmarc.evil.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['Bücher.Example', 'bücher.example'],
    ['localhost', 'localhost'],
  ])('reads %j as %j', (text, expected) => {
    expect(normalizeDomain(text)).toBe(expected);
  });

  it.each(['', '.', 'evil..example', '.evil.example', 'evil.example..', 'evil example', 'http://evil.example', 'evil.example/path', '1.2.3.999', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}example`])(
    'refuses %j',
    (text) => {
      expect(normalizeDomain(text)).toBeUndefined();
    },
  );
});

describe('DomainSet', () => {
  const set = DomainSet.from(['evil.example', 'c2.bad.example', 'bad.example', 'Mixed.Case.Example.']);

  it('matches an entry and every name below it', () => {
    expect(set.find('evil.example')).toBe('evil.example');
    expect(set.find('a.evil.example')).toBe('evil.example');
    expect(set.find('a.b.c.evil.example')).toBe('evil.example');
  });

  it('does not match a name that merely ends with the same characters, or a parent of an entry', () => {
    expect(set.has('notevil.example')).toBe(false);
    expect(set.has('example')).toBe(false);
    expect(set.has('evil.example.com')).toBe(false);
  });

  it('returns the most specific of nested entries', () => {
    expect(set.find('x.c2.bad.example')).toBe('c2.bad.example');
    expect(set.find('x.c3.bad.example')).toBe('bad.example');
  });

  it('ignores ASCII case and one trailing dot in queries, as DNS does', () => {
    expect(set.find('WWW.EVIL.EXAMPLE.')).toBe('evil.example');
    expect(set.find('mixed.case.example')).toBe('mixed.case.example');
  });

  it('finds nothing for empty names and in an empty set', () => {
    expect(set.has('')).toBe(false);
    expect(set.has('.')).toBe(false);
    expect(DomainSet.from([]).has('evil.example')).toBe(false);
  });

  it('keeps one copy of duplicate entries', () => {
    const builder = new DomainSetBuilder();
    expect(builder.add('evil.example')).toBe(true);
    expect(builder.add('EVIL.example.')).toBe(true);
    expect(builder.build().size).toBe(1);
  });

  it('refuses entries that are not domain names, naming them', () => {
    expect(() => DomainSet.from(['evil.example', 'http://x.example/'])).toThrow(IntelEntryError);
    expect(new DomainSetBuilder().add('a..b')).toBe(false);
  });

  it('finds every one of many entries and none of their siblings', () => {
    const names = Array.from({ length: 20000 }, (_, i) => `host${i}.zone${i % 97}.example`);
    const many = DomainSet.from(names);
    for (let i = 0; i < names.length; i += 7) {
      expect(many.find(`www.${names[i]}`)).toBe(names[i]);
      expect(many.has(`host${i}x.zone${i % 97}.example`)).toBe(false);
    }
  });

  it('agrees with a naive label-by-label reference on random names', () => {
    const label = fc.constantFrom('a', 'b', 'c', 'evil', 'www', 'x1');
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 15 }), fc.array(name, { maxLength: 25 }), (entries, queries) => {
        const domains = DomainSet.from(entries);
        const entrySet = new Set(entries);
        for (const query of queries) {
          const labels = query.split('.');
          let expected: string | undefined;
          // Most specific first: the longest suffix that is an entry.
          for (let i = 0; i < labels.length && expected === undefined; i++) {
            const suffix = labels.slice(i).join('.');
            if (entrySet.has(suffix)) expected = suffix;
          }
          expect(domains.find(query)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});
