import { PatdError } from '../errors.js';

export interface ScopeDef {
  id: string;
  description: string;
  /** Scopes this one directly includes. */
  implies: string[];
}

export const DEFAULT_SCOPES: ScopeDef[] = [
  { id: 'code:read', description: 'git fetch and clone', implies: [] },
  { id: 'code:write', description: 'git push', implies: ['code:read'] },
  { id: 'code:manage', description: 'create and delete repositories', implies: ['code:write'] },
  { id: 'packaging:read', description: 'read package feeds', implies: [] },
  { id: 'packaging:write', description: 'publish to package feeds', implies: ['packaging:read'] },
  { id: 'packaging:manage', description: 'manage package feeds', implies: ['packaging:write'] },
  { id: 'build:read', description: 'read build pipelines', implies: [] },
  { id: 'build:execute', description: 'run build pipelines', implies: ['build:read'] },
  { id: 'work:read', description: 'read work items', implies: [] },
  { id: 'work:write', description: 'write work items', implies: ['work:read'] },
  { id: 'profile:read', description: 'read your profile (GET /api/v1/me)', implies: [] },
  { id: 'tokens:read', description: 'list and read your tokens', implies: [] },
  { id: 'tokens:manage', description: 'create, edit, regenerate and revoke your tokens', implies: ['tokens:read'] },
  { id: 'orgs:read', description: 'read organizations and members', implies: [] },
  { id: 'orgs:manage', description: 'manage organizations, members and policies', implies: ['orgs:read'] },
  { id: 'audit:read', description: 'read audit logs', implies: [] },
];

/** Azure DevOps scope names accepted on input. */
export const ADO_ALIASES: Record<string, string> = {
  'vso.code': 'code:read',
  'vso.code_write': 'code:write',
  'vso.code_manage': 'code:manage',
  'vso.packaging': 'packaging:read',
  'vso.packaging_write': 'packaging:write',
  'vso.packaging_manage': 'packaging:manage',
  'vso.build': 'build:read',
  'vso.build_execute': 'build:execute',
  'vso.work': 'work:read',
  'vso.work_write': 'work:write',
  'vso.profile': 'profile:read',
  'vso.tokens': 'tokens:manage',
};

export const FULL_ACCESS = '*';

/** The scopes in force: the default catalog plus the operator's, with implication closed. */
export class ScopeCatalog {
  private readonly defs = new Map<string, ScopeDef>();
  private readonly closure = new Map<string, Set<string>>();

  constructor(extra: ScopeDef[] = []) {
    for (const d of [...DEFAULT_SCOPES, ...extra]) this.defs.set(d.id, d);
    for (const id of this.defs.keys()) this.closure.set(id, this.expand(id, new Set()));
  }

  private expand(id: string, seen: Set<string>): Set<string> {
    if (seen.has(id)) return seen;
    seen.add(id);
    for (const i of this.defs.get(id)?.implies ?? []) this.expand(i, seen);
    return seen;
  }

  list(): ScopeDef[] {
    return [...this.defs.values()];
  }

  has(id: string): boolean {
    return this.defs.has(id);
  }

  /** Resolve aliases, refuse unknown scopes, drop duplicates; keeps the caller's order. */
  normalize(input: readonly string[]): string[] {
    if (input.length === 0) throw new PatdError('validation_failed', 'scopes must list at least one scope', { field: 'scopes' });
    const out: string[] = [];
    for (const raw of input) {
      const id = ADO_ALIASES[raw] ?? raw;
      if (id !== FULL_ACCESS && !this.defs.has(id)) {
        throw new PatdError('unknown_scope', `unknown scope "${String(raw).slice(0, 80)}"`, { field: 'scopes', scope: String(raw).slice(0, 80) });
      }
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }

  /** Does a token with `granted` scopes satisfy `required`? */
  grants(granted: readonly string[], required: string): boolean {
    for (const g of granted) {
      if (g === FULL_ACCESS || g === required) return true;
      if (this.closure.get(g)?.has(required)) return true;
    }
    return false;
  }
}

export function parseScopesFile(json: unknown): ScopeDef[] {
  if (!Array.isArray(json)) throw new Error('must be a JSON array of {id, description, implies}');
  return json.map((d, i) => {
    if (!d || typeof d.id !== 'string' || !/^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$/.test(d.id)) {
      throw new Error(`entry ${i}: id must look like "area:action"`);
    }
    const implies = d.implies ?? [];
    if (!Array.isArray(implies) || implies.some((x: unknown) => typeof x !== 'string')) {
      throw new Error(`entry ${i}: implies must be an array of scope ids`);
    }
    return { id: d.id, description: String(d.description ?? ''), implies };
  });
}
