import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress, describeVerdict, isSpecialAddress, SPECIAL_RANGES } from './alerts.addresses.js';

// [address, the range expected to match] — first, last and middle addresses of every range.
const SPECIAL_V4: [string, string][] = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.255.255.255', '0.0.0.0/8'],
  ['10.0.0.0', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['100.64.0.0', '100.64.0.0/10'],
  ['100.127.255.255', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.255.254', '127.0.0.0/8'],
  ['169.254.0.0', '169.254.0.0/16'],
  ['169.254.169.254', '169.254.0.0/16'],
  ['169.254.255.255', '169.254.0.0/16'],
  ['172.16.0.0', '172.16.0.0/12'],
  ['172.31.255.255', '172.16.0.0/12'],
  ['192.0.0.0', '192.0.0.0/24'],
  ['192.0.0.9', '192.0.0.0/24'],
  ['192.0.0.170', '192.0.0.0/24'],
  ['192.0.0.255', '192.0.0.0/24'],
  ['192.0.2.1', '192.0.2.0/24'],
  ['192.31.196.1', '192.31.196.0/24'],
  ['192.52.193.1', '192.52.193.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.168.0.0', '192.168.0.0/16'],
  ['192.168.255.255', '192.168.0.0/16'],
  ['192.175.48.1', '192.175.48.0/24'],
  ['198.18.0.0', '198.18.0.0/15'],
  ['198.19.255.255', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.255', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.255', '224.0.0.0/4'],
  ['240.0.0.0', '240.0.0.0/4'],
  ['255.255.255.254', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
];

// Just outside each range, and ordinary public addresses.
const PUBLIC_V4 = [
  '1.0.0.0',
  '8.8.8.8',
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.0',
  '192.0.3.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '198.51.99.255',
  '198.51.101.0',
  '203.0.112.255',
  '203.0.114.0',
  '223.255.255.255',
  '93.184.216.34',
];

const SPECIAL_V6: [string, string][] = [
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['fe80::', 'fe80::/10'],
  ['fe80::1%eth0', 'fe80::/10'],
  ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::/10'],
  ['fec0::1', 'fec0::/10'],
  ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fec0::/10'],
  ['fc00::', 'fc00::/7'],
  ['fd12:3456:789a::1', 'fc00::/7'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fc00::/7'],
  ['ff02::1', 'ff00::/8'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ff00::/8'],
  ['64:ff9b:1::1', '64:ff9b:1::/48'],
  ['100::', '100::/64'],
  ['100::ffff:ffff:ffff:ffff', '100::/64'],
  ['100:0:0:1::1', '100:0:0:1::/64'],
  ['2001:2::1', '2001::/23'],
  ['2001:10::1', '2001::/23'],
  ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', '2001::/23'],
  ['2001:db8::', '2001:db8::/32'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::/32'],
  ['2620:4f:8000::1', '2620:4f:8000::/48'],
  ['3fff::1', '3fff::/20'],
  ['3fff:fff:ffff::1', '3fff::/20'],
  ['5f00::1', '5f00::/16'],
  // Reserved by the IETF: outside 2000::/3 and not listed above.
  ['1::', '1::'],
  ['4000::1', '4000::1'],
  ['e000::1', 'e000::1'],
];

// [IPv6 form, embedded IPv4 that decides, its range]
const EMBEDDED_SPECIAL: [string, string, string][] = [
  ['::ffff:169.254.169.254', '169.254.169.254', '169.254.0.0/16'],
  ['::ffff:a9fe:a9fe', '169.254.169.254', '169.254.0.0/16'],
  ['::FFFF:127.0.0.1', '127.0.0.1', '127.0.0.0/8'],
  ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.1', '10.0.0.0/8'],
  ['::ffff:0:192.168.1.1', '192.168.1.1', '192.168.0.0/16'],
  ['::127.0.0.1', '127.0.0.1', '127.0.0.0/8'],
  ['::7f00:1', '127.0.0.1', '127.0.0.0/8'],
  ['::0.0.0.2', '0.0.0.2', '0.0.0.0/8'],
  ['64:ff9b::169.254.169.254', '169.254.169.254', '169.254.0.0/16'],
  ['64:ff9b::a00:1', '10.0.0.1', '10.0.0.0/8'],
  ['64:ff9b::c612:1', '198.18.0.1', '198.18.0.0/15'],
  ['2002:7f00:1::', '127.0.0.1', '127.0.0.0/8'],
  ['2002:c0a8:101::1', '192.168.1.1', '192.168.0.0/16'],
  // Teredo: client 127.0.0.1 is stored inverted (80ff:fffe); server in bits 32–63.
  ['2001:0:808:808::80ff:fffe', '127.0.0.1', '127.0.0.0/8'],
  ['2001:0:a00:1::f7f7:f7f7', '10.0.0.1', '10.0.0.0/8'],
];

const PUBLIC_V6 = [
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '2000::',
  '3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  '3fff:1000::1', // just past 3fff::/20
  '2001:200::1', // just past 2001::/23
  '2001:db9::1',
  '2620:4f:8001::1',
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '64:ff9b::8.8.8.8',
  '2002:808:808::1',
  '2001:0:808:808::f7f7:f7f7', // Teredo, server and client 8.8.8.8
];

describe('special-purpose address classification', () => {
  it.each(SPECIAL_V4)('IPv4 %s is special (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ special: true, range });
  });
  it.each(PUBLIC_V4)('IPv4 %s is public', (address) => {
    expect(classifyAddress(address)).toEqual({ special: false });
  });
  it.each(SPECIAL_V6)('IPv6 %s is special (%s)', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ special: true, range });
  });
  it.each(EMBEDDED_SPECIAL)('IPv6 %s is judged by the IPv4 it carries, %s', (address, ipv4, range) => {
    expect(classifyAddress(address)).toMatchObject({ special: true, range, via: { ipv4 } });
  });
  it.each(PUBLIC_V6)('IPv6 %s is public', (address) => {
    expect(classifyAddress(address)).toEqual({ special: false });
  });

  it('has a test address inside every listed range', () => {
    const tested = new Set([...SPECIAL_V4.map(([, r]) => r), ...SPECIAL_V6.map(([, r]) => r), ...EMBEDDED_SPECIAL.map(([a]) => a)]);
    for (const r of SPECIAL_RANGES.ipv4) expect(tested, r.cidr).toContain(r.cidr);
    const embedding = SPECIAL_RANGES.ipv6.filter((r) => r.embedded).map((r) => r.cidr);
    for (const r of SPECIAL_RANGES.ipv6.filter((x) => !x.embedded)) expect(tested, r.cidr).toContain(r.cidr);
    // Each embedding form is exercised by at least one special and the mapped/NAT64/6to4/Teredo by a public case.
    expect(embedding).toEqual(['::ffff:0:0/96', '::ffff:0:0:0/96', '::/96', '64:ff9b::/96', '2001::/32', '2002::/16']);
  });

  it('describes why, citing the range and its RFC', () => {
    expect(describeVerdict('169.254.169.254', classifyAddress('169.254.169.254'))).toBe(
      '169.254.169.254 is link-local (169.254.0.0/16, RFC 3927)',
    );
    expect(describeVerdict('::ffff:a9fe:a9fe', classifyAddress('::ffff:a9fe:a9fe'))).toMatch(
      /IPv4-mapped \(RFC 4291 §2\.5\.5\.2\) for 169\.254\.169\.254, which is link-local/,
    );
  });

  it('refuses to classify what is not an IP address', () => {
    expect(() => classifyAddress('example.com')).toThrow(/not an IP address/);
    expect(() => classifyAddress('1.2.3')).toThrow(/not an IP address/);
  });

  // Cross-checks the prefix matching against Node's own BlockList over random addresses.
  it('agrees with net.BlockList on every IPv4 address tried', () => {
    const list = new BlockList();
    for (const r of SPECIAL_RANGES.ipv4) {
      const [net = '', bits = ''] = r.cidr.split('/');
      list.addSubnet(net, Number(bits), 'ipv4');
    }
    fc.assert(
      fc.property(fc.ipV4(), (address) => isSpecialAddress(address) === list.check(address, 'ipv4')),
      { numRuns: 5000 },
    );
  });

  it('judges every IPv4-mapped and NAT64 form exactly as the IPv4 address itself', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const v4 = isSpecialAddress(address);
        const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        return (
          isSpecialAddress(`::ffff:${address}`) === v4 &&
          isSpecialAddress(`::ffff:${hex}`) === v4 &&
          isSpecialAddress(`64:ff9b::${address}`) === v4
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('classifies every well-formed IPv6 address without throwing', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => typeof isSpecialAddress(address) === 'boolean'),
      { numRuns: 2000 },
    );
  });
});
