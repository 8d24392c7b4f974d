import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  canonicalIp,
  classifyIp,
  formatIpv4,
  formatIpv6,
  ipVersion,
  isPublicIp,
  isRoutableOrDocumentationIp,
  parseIpv4,
  parseIpv6,
  parseIpv6Into,
  type IpClass,
} from '../../lambdas/intel/ip';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const group = fc.integer({ min: 0, max: 0xffff });
const eightGroups = fc.array(group, { minLength: 8, maxLength: 8 });

function wordsOf(parts: readonly number[]): number[] {
  return [0, 1, 2, 3].map((k) => ((parts[2 * k]! << 16) | parts[2 * k + 1]!) >>> 0);
}

describe('parseIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['192.0.2.1', 0xc0000201],
    ['10.0.0.0', 0x0a000000],
  ])('reads %s as %d', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.00', '1..2.3', '.1.2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.-4', 'a.b.c.d', '1.2.3.4/24', '::1'])(
    'refuses %j',
    (text) => {
      expect(parseIpv4(text)).toBe(-1);
    },
  );

  it('reads a slice of a longer string without cutting it', () => {
    expect(parseIpv4('src=198.51.100.7 port', 4, 16)).toBe(0xc6336407);
  });

  it('round-trips every address through formatIpv4', () => {
    fc.assert(fc.property(uint32, (n) => parseIpv4(formatIpv4(n)) === n));
  });
});

describe('parseIpv6', () => {
  it('agrees with ipaddr.js on every text form of random addresses', () => {
    fc.assert(
      fc.property(eightGroups, (parts) => {
        const address = new ipaddr.IPv6(parts);
        const expected = wordsOf(parts);
        for (const text of [address.toString(), address.toNormalizedString(), address.toRFC5952String(), address.toRFC5952String().toUpperCase()]) {
          expect(Array.from(parseIpv6(text) ?? [])).toEqual(expected);
        }
      }),
    );
  });

  it('reads a dotted IPv4 tail into the last two groups', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 6, maxLength: 6 }), uint32, (head, v4) => {
        const text = `${head.map((g) => g.toString(16)).join(':')}:${formatIpv4(v4)}`;
        expect(Array.from(parseIpv6(text) ?? [])).toEqual(wordsOf([...head, v4 >>> 16, v4 & 0xffff]));
        expect(ipaddr.IPv6.parse(text).parts).toEqual([...head, v4 >>> 16, v4 & 0xffff]);
      }),
    );
  });

  it('formats like ipaddr.js RFC 5952 output', () => {
    fc.assert(fc.property(eightGroups, (parts) => formatIpv6(wordsOf(parts)) === new ipaddr.IPv6(parts).toRFC5952String()));
  });

  it.each([
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['::ffff:192.0.2.1', [0, 0, 0xffff, 0xc0000201]],
    ['fe80::1%eth0', [0xfe800000, 0, 0, 1]],
  ])('reads %s', (text, words) => {
    expect(Array.from(parseIpv6(text)!)).toEqual(words);
  });

  it.each([':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '::1.2.3', 'g::1', '1:', ':1', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%', '1.2.3.4'])(
    'refuses %j',
    (text) => {
      expect(parseIpv6(text)).toBeUndefined();
    },
  );

  it('writes into a caller array at an offset', () => {
    const out = new Uint32Array(8);
    expect(parseIpv6Into('2001:db8::1', out, 4)).toBe(true);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0x20010db8, 0, 0, 1]);
  });
});

describe('ipVersion and canonicalIp', () => {
  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(ipVersion('::ffff:192.0.2.1')).toBe(4);
    expect(ipVersion('::FFFF:c000:0201')).toBe(4);
    expect(canonicalIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });

  it('tells IPv4, IPv6 and non-addresses apart', () => {
    expect(ipVersion('192.0.2.1')).toBe(4);
    expect(ipVersion('2001:db8::1')).toBe(6);
    expect(ipVersion('evil.example')).toBeUndefined();
    expect(ipVersion('')).toBeUndefined();
  });

  it('writes IPv6 in RFC 5952 form', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIp('nope')).toBeUndefined();
  });
});

describe('classifyIp', () => {
  const cases: Array<[string, IpClass]> = [
    ['8.8.8.8', 'public'],
    ['52.94.76.1', 'public'],
    ['0.1.2.3', 'reserved'],
    ['10.20.30.40', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.253.1.1', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['172.15.255.255', 'public'],
    ['192.0.0.8', 'reserved'],
    ['192.0.0.9', 'public'],
    ['192.0.2.55', 'documentation'],
    ['192.88.99.1', 'reserved'],
    ['192.168.1.1', 'private'],
    ['192.31.196.1', 'public'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.20.0.0', 'public'],
    ['198.51.100.200', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['203.0.114.9', 'public'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['2600:1f18::1', 'public'],
    ['2a00:1450:4001::1', 'public'],
    ['::', 'reserved'],
    ['::1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['100::1', 'reserved'],
    ['2001::1', 'public'],
    ['2001:2::1', 'reserved'],
    ['2001:10::1', 'reserved'],
    ['2001:20::1', 'public'],
    ['2001:db8::1', 'documentation'],
    ['3fff:fff::1', 'documentation'],
    ['3fff:1000::1', 'public'],
    ['2002:c000:0204::1', 'public'],
    ['5f00::1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'reserved'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
    ['', 'invalid'],
  ];

  it.each(cases)('classifies %s as %s', (text, expected) => {
    expect(classifyIp(text)).toBe(expected);
  });
});

describe('isPublicIp', () => {
  it('refuses private, loopback, link-local, multicast, broadcast and reserved addresses', () => {
    for (const ip of ['10.0.0.1', '172.16.5.4', '192.168.0.1', '100.64.1.1', '127.0.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255', '0.0.0.0', '198.18.1.1', '240.1.1.1', 'fc00::1', 'fe80::1', '::1', 'ff02::1']) {
      expect(isPublicIp(ip)).toBe(false);
    }
  });

  it('accepts routable addresses', () => {
    expect(isPublicIp('8.8.8.8')).toBe(true);
    expect(isPublicIp('2600:1f18::1')).toBe(true);
  });

  it('counts documentation ranges as public only when asked to', () => {
    for (const ip of ['192.0.2.1', '198.51.100.1', '203.0.113.1', '2001:db8::1']) {
      expect(isPublicIp(ip)).toBe(false);
      expect(isPublicIp(ip, { documentationIsPublic: true })).toBe(true);
      expect(isRoutableOrDocumentationIp(ip)).toBe(true);
    }
    expect(isRoutableOrDocumentationIp('10.0.0.1')).toBe(false);
  });
});
