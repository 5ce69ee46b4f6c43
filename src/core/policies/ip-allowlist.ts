import { BlockList, isIP } from 'node:net';
import { PatdError } from '../errors.js';
import type { Policy } from '../model.js';

const lists = new WeakMap<string[], BlockList>();

/** Is `ip` inside the policy's allow-list? An empty list allows every address. */
export function ipAllowed(allowlist: string[], ip: string | null): boolean {
  if (allowlist.length === 0) return true;
  if (!ip) return false;
  let bl = lists.get(allowlist);
  if (!bl) {
    bl = new BlockList();
    for (const cidr of allowlist) addCidr(bl, cidr);
    lists.set(allowlist, bl);
  }
  const addr = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const fam = isIP(addr);
  return fam !== 0 && bl.check(addr, fam === 4 ? 'ipv4' : 'ipv6');
}

export function addCidr(bl: BlockList, cidr: string): void {
  const [addr = '', bits] = cidr.split('/');
  const fam = isIP(addr);
  if (fam === 0) throw new PatdError('validation_failed', `"${cidr}" is not an IP address or CIDR`, { field: 'ipAllowlist' });
  const max = fam === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new PatdError('validation_failed', `"${cidr}" has a bad prefix length`, { field: 'ipAllowlist' });
  }
  bl.addSubnet(addr, prefix, fam === 4 ? 'ipv4' : 'ipv6');
}

export function validatePolicy(p: Policy): void {
  const bl = new BlockList();
  for (const c of p.ipAllowlist) addCidr(bl, c);
}
