import { type LookupAddress, type LookupOneOptions, lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DeliveryRefused, type WebhookUrlCheck } from '../../core/notifications/model.js';

/** How webhook hosts are resolved: `dns.lookup` in production; tests inject their own. */
export type Resolver = LookupFunction;

export interface AddressRules {
  /** PATD_WEBHOOK_ALLOW_PRIVATE: anything but the unspecified address (0.0.0.0, ::) may be reached. */
  allowPrivate: boolean;
  resolver?: Resolver;
}

/**
 * May a webhook connect to this address? Only global unicast addresses, by ipaddr.js's ranges
 * (the same ones request-filtering-agent uses): loopback, private (RFC 1918), CGNAT
 * (100.64/10), link-local (169.254/16 with the cloud metadata address, fe80::/10),
 * unique-local (fc00::/7), unspecified, multicast, broadcast, reserved, and IPv4-mapped,
 * IPv4-compatible, NAT64, 6to4 and Teredo forms (which can carry any of those) are refused.
 */
export function addressAllowed(address: string, allowPrivate: boolean): boolean {
  const bare = address.replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  const a = ipaddr.parse(bare);
  const range = a.range();
  if (range === 'unspecified') return false;
  if (allowPrivate) return true;
  if (range !== 'unicast') return false;
  // ::a.b.c.d (IPv4-compatible, deprecated) is "unicast" to ipaddr.js but names an IPv4 address.
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) return false;
  return true;
}

/**
 * A lookup (the `lookup` option of net.connect) that fails with DeliveryRefused when any
 * address the name resolves to is not allowed: the check is made on the addresses the socket
 * then connects to, so a name that resolved to a public address at registration and to
 * 127.0.0.1 now (DNS rebinding) is refused now.
 */
export function guardedLookup(rules: AddressRules): LookupFunction {
  const resolve = rules.resolver ?? (dnsLookup as LookupFunction);
  return ((hostname: string, options: LookupOneOptions & { all?: boolean }, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, options, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return cb(err, address, family);
      const all = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      if (all.length === 0 || all.some((x) => !addressAllowed(x.address, rules.allowPrivate))) return cb(new DeliveryRefused(), address, family);
      cb(null, address, family);
    }) as Parameters<LookupFunction>[2]);
  }) as LookupFunction;
}

/** The host of a URL as an IP literal, or null for a name ("[::1]" becomes "::1"). */
export function ipLiteral(u: URL): string | null {
  const h = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return isIP(h) ? h : null;
}

/**
 * The registration-time check (the core's WebhookUrlCheck port). Names are resolved (all
 * addresses, within `timeoutMs`); one that does not resolve now is allowed, because every
 * delivery checks the address it connects to anyway.
 */
export function webhookUrlCheck(rules: AddressRules, timeoutMs = 5_000): WebhookUrlCheck {
  const resolve = rules.resolver ?? (dnsLookup as LookupFunction);
  return async (u) => {
    const literal = ipLiteral(u);
    if (literal) return addressAllowed(literal, rules.allowPrivate);
    if (rules.allowPrivate) return true;
    const addresses = await new Promise<LookupAddress[] | null>((done) => {
      const timer = setTimeout(() => done(null), timeoutMs);
      timer.unref();
      resolve(u.hostname, { all: true }, ((err: Error | null, list: LookupAddress[]) => {
        clearTimeout(timer);
        done(err ? null : list);
      }) as unknown as Parameters<LookupFunction>[2]);
    });
    return !addresses || addresses.every((x) => addressAllowed(x.address, rules.allowPrivate));
  };
}
