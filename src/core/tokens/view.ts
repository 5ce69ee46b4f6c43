import type { Token } from '../model.js';
import { tokenStatus } from '../model.js';

/** The JSON view of a token (never the secret, never the digest). */
export interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  orgs: string[] | '*';
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  status: 'active' | 'expired' | 'revoked';
  hint: string;
  createdVia: string;
  clientName: string | null;
  userId: string;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function tokenView(t: Token, orgNames: Map<string, string>, now: number): TokenView {
  return {
    id: t.id, name: t.name, scopes: t.scopes,
    orgs: t.orgIds === null ? '*' : t.orgIds.map((id) => orgNames.get(id) ?? id).sort(),
    createdAt: iso(t.createdAt) as string, expiresAt: iso(t.expiresAt) as string,
    lastUsedAt: iso(t.lastUsedAt), lastUsedIp: t.lastUsedIp, revokedAt: iso(t.revokedAt),
    revokedReason: t.revokedReason, status: tokenStatus(t, now), hint: t.hint,
    createdVia: t.createdVia, clientName: t.clientName, userId: t.userId,
  };
}
