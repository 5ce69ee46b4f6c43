import type { ScopeCatalog } from '../core/scopes/catalog.js';

export interface ScopeOption {
  id: string;
  description: string;
  /** Every scope this one includes (implication closed), for "includes …" and the script. */
  implies: string[];
}

export interface ScopeGroup {
  area: string;
  label: string;
  scopes: ScopeOption[];
}

const AREA_LABELS: Record<string, string> = {
  code: 'Code (git)', packaging: 'Packaging', build: 'Build', work: 'Work items', profile: 'Profile',
  tokens: 'Tokens', orgs: 'Organizations', audit: 'Audit',
};

/** The catalog grouped by area (`code:read` → code), each area from least to most (read, write, manage). */
export function scopeGroups(catalog: ScopeCatalog): ScopeGroup[] {
  const all = catalog.list();
  const groups = new Map<string, ScopeOption[]>();
  for (const s of all) {
    const area = s.id.split(':')[0] ?? s.id;
    const implies = all.filter((x) => x.id !== s.id && catalog.grants([s.id], x.id)).map((x) => x.id);
    groups.set(area, [...(groups.get(area) ?? []), { id: s.id, description: s.description, implies }]);
  }
  return [...groups.entries()].map(([area, scopes]) => ({
    area, label: AREA_LABELS[area] ?? area.charAt(0).toUpperCase() + area.slice(1),
    scopes: scopes.sort((a, b) => a.implies.length - b.implies.length),
  }));
}
