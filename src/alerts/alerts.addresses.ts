import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses a user-supplied URL (a Slack or outgoing webhook of an alert rule) may reach.
 *
 * Anything the IANA special-purpose registries list is refused, whether or not the registry calls it
 * "globally reachable": a webhook has no business with an anycast relay, a DNS sink or a benchmark network.
 *   IPv4: https://www.iana.org/assignments/iana-ipv4-special-registry/ (RFC 6890), plus multicast 224/4 (RFC 5771)
 *   IPv6: https://www.iana.org/assignments/iana-ipv6-special-registry/ (RFC 6890), plus everything outside
 *         2000::/3, the only block IANA allocates as global unicast
 *         (https://www.iana.org/assignments/ipv6-address-space/, RFC 4291 §2.4).
 * IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) are judged by the
 * IPv4 address they reach, so `::ffff:169.254.169.254` is as refused as `169.254.169.254`.
 */

export type Verdict =
  | { special: false }
  | {
      special: true;
      /** The registry range that matched, e.g. `169.254.0.0/16`. */
      range: string;
      /** What the range is for, e.g. `link-local`. */
      name: string;
      /** Where it is defined, e.g. `RFC 3927`. */
      reference: string;
      /** For an IPv6 form carrying an IPv4 address: the IPv6 form and the embedded address that decided. */
      via?: { form: string; ipv4: string };
    };

interface Range {
  cidr: string;
  name: string;
  reference: string;
  /** Judge by the IPv4 address(es) this range embeds instead of refusing the range as a whole. */
  embedded?: (bytes: Uint8Array) => Uint8Array[];
}

// First match wins: narrower ranges come before the wider ones containing them.
const IPV4: Range[] = [
  { cidr: '0.0.0.0/8', name: '"this network"', reference: 'RFC 791 §3.2, RFC 1122 §3.2.1.3' },
  { cidr: '10.0.0.0/8', name: 'private-use', reference: 'RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'shared address space (carrier-grade NAT)', reference: 'RFC 6598' },
  { cidr: '127.0.0.0/8', name: 'loopback', reference: 'RFC 1122 §3.2.1.3' },
  { cidr: '169.254.0.0/16', name: 'link-local', reference: 'RFC 3927' },
  { cidr: '172.16.0.0/12', name: 'private-use', reference: 'RFC 1918' },
  // Includes DS-Lite 192.0.0.0/29, the PCP and TURN anycast addresses and NAT64 discovery (192.0.0.170/31).
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments', reference: 'RFC 6890 §2.1' },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)', reference: 'RFC 5737' },
  { cidr: '192.31.196.0/24', name: 'AS112-v4', reference: 'RFC 7535' },
  { cidr: '192.52.193.0/24', name: 'AMT', reference: 'RFC 7450' },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast', reference: 'RFC 7526' },
  { cidr: '192.168.0.0/16', name: 'private-use', reference: 'RFC 1918' },
  { cidr: '192.175.48.0/24', name: 'AS112 direct delegation', reference: 'RFC 7534' },
  { cidr: '198.18.0.0/15', name: 'benchmarking', reference: 'RFC 2544' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)', reference: 'RFC 5737' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)', reference: 'RFC 5737' },
  { cidr: '224.0.0.0/4', name: 'multicast', reference: 'RFC 5771' },
  { cidr: '255.255.255.255/32', name: 'limited broadcast', reference: 'RFC 919 §7, RFC 8190' },
  { cidr: '240.0.0.0/4', name: 'reserved', reference: 'RFC 1112 §4' },
];

const last32 = (b: Uint8Array) => [b.slice(12, 16)];

const IPV6: Range[] = [
  { cidr: '::/128', name: 'unspecified', reference: 'RFC 4291 §2.5.2' },
  { cidr: '::1/128', name: 'loopback', reference: 'RFC 4291 §2.5.3' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped', reference: 'RFC 4291 §2.5.5.2', embedded: last32 },
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated', reference: 'RFC 2765 §2.1', embedded: last32 },
  { cidr: '::/96', name: 'IPv4-compatible (deprecated)', reference: 'RFC 4291 §2.5.5.1', embedded: last32 },
  { cidr: '64:ff9b::/96', name: 'NAT64 well-known prefix', reference: 'RFC 6052 §2.1', embedded: last32 },
  { cidr: '64:ff9b:1::/48', name: 'local-use IPv4/IPv6 translation', reference: 'RFC 8215' },
  { cidr: '100::/64', name: 'discard-only', reference: 'RFC 6666' },
  { cidr: '100:0:0:1::/64', name: 'dummy prefix', reference: 'RFC 9780' },
  // Teredo: the server's IPv4 in bits 32–63, the client's (where packets go) bit-inverted in bits 96–127.
  {
    cidr: '2001::/32',
    name: 'Teredo',
    reference: 'RFC 4380 §4',
    embedded: (b) => [b.slice(4, 8), b.slice(12, 16).map((x) => ~x & 0xff)],
  },
  { cidr: '2001:db8::/32', name: 'documentation', reference: 'RFC 3849' },
  // Benchmarking 2001:2::/48, ORCHID, AMT, AS112-v6, the PCP/TURN/DNS-SD anycast addresses, drone remote ID.
  { cidr: '2001::/23', name: 'IETF protocol assignments', reference: 'RFC 2928' },
  { cidr: '2002::/16', name: '6to4', reference: 'RFC 3056 §2', embedded: (b) => [b.slice(2, 6)] },
  { cidr: '2620:4f:8000::/48', name: 'AS112 direct delegation', reference: 'RFC 7534' },
  { cidr: '3fff::/20', name: 'documentation', reference: 'RFC 9637' },
  { cidr: '5f00::/16', name: 'segment routing SIDs', reference: 'RFC 9602' },
  { cidr: 'fc00::/7', name: 'unique-local', reference: 'RFC 4193' },
  { cidr: 'fe80::/10', name: 'link-local', reference: 'RFC 4291 §2.5.6' },
  { cidr: 'fec0::/10', name: 'site-local (deprecated)', reference: 'RFC 3879' },
  { cidr: 'ff00::/8', name: 'multicast', reference: 'RFC 4291 §2.7' },
];

/** Global unicast; an IPv6 address outside it (and not caught above) is reserved by the IETF. */
const GLOBAL_UNICAST = '2000::/3';

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

/** 16 bytes of an IPv6 address (already validated by `isIPv6`), with `::` and a trailing dotted quad. */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const tail: number[] = [];
  if (text.includes('.')) {
    const cut = text.lastIndexOf(':');
    tail.push(...ipv4Bytes(text.slice(cut + 1)));
    text = `${text.slice(0, cut + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

interface Prefix {
  bytes: Uint8Array;
  length: number;
}

function prefix(cidr: string): Prefix {
  const [address = '', length = ''] = cidr.split('/');
  return { bytes: isIPv4(address) ? ipv4Bytes(address) : ipv6Bytes(address), length: Number(length) };
}

function within(bytes: Uint8Array, p: Prefix): boolean {
  for (let bit = 0; bit < p.length; bit++) {
    const mask = 0x80 >> (bit % 8);
    const i = bit >> 3;
    if (((bytes[i] ?? 0) & mask) !== ((p.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

const compiled = (ranges: Range[]) => ranges.map((r) => ({ ...r, prefix: prefix(r.cidr) }));
const IPV4_COMPILED = compiled(IPV4);
const IPV6_COMPILED = compiled(IPV6);
const GLOBAL_UNICAST_PREFIX = prefix(GLOBAL_UNICAST);

function classifyV4(bytes: Uint8Array): Verdict {
  const hit = IPV4_COMPILED.find((r) => within(bytes, r.prefix));
  return hit ? { special: true, range: hit.cidr, name: hit.name, reference: hit.reference } : { special: false };
}

/** Whether an IP address (v4 or v6, as text; an IPv6 zone id is ignored) is in a special-purpose range. */
export function classifyAddress(address: string): Verdict {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return classifyV4(ipv4Bytes(bare));
  if (!isIPv6(bare)) throw new TypeError(`not an IP address: ${address}`);
  const bytes = ipv6Bytes(bare);
  const hit = IPV6_COMPILED.find((r) => within(bytes, r.prefix));
  if (hit?.embedded) {
    for (const ipv4 of hit.embedded(bytes)) {
      const verdict = classifyV4(ipv4);
      if (verdict.special) return { ...verdict, via: { form: `${hit.name} (${hit.reference})`, ipv4: ipv4.join('.') } };
    }
    return { special: false };
  }
  if (hit) return { special: true, range: hit.cidr, name: hit.name, reference: hit.reference };
  if (!within(bytes, GLOBAL_UNICAST_PREFIX))
    return { special: true, range: bare, name: 'reserved by the IETF (outside global unicast 2000::/3)', reference: 'RFC 4291 §2.4' };
  return { special: false };
}

export const isSpecialAddress = (address: string): boolean => classifyAddress(address).special;

/** "169.254.169.254 is link-local (169.254.0.0/16, RFC 3927)", for error messages. */
export function describeVerdict(address: string, verdict: Verdict): string {
  if (!verdict.special) return `${address} is a public address`;
  const what = `${verdict.name} (${verdict.range}, ${verdict.reference})`;
  return verdict.via ? `${address} is ${verdict.via.form} for ${verdict.via.ipv4}, which is ${what}` : `${address} is ${what}`;
}

/** The registry tables, for tests that check every range. */
export const SPECIAL_RANGES = { ipv4: IPV4, ipv6: IPV6 } as const;
