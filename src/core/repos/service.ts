import type { CoreDeps } from '../deps.js';
import { PatdError } from '../errors.js';
import { newId } from '../ids.js';
import type { Org, RequestContext } from '../model.js';
import type { GitRepo, RepoStorage } from './model.js';

/** Repository names: a slug; a trailing ".git" is accepted on input and dropped. */
export const REPO_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Normalizes a requested repository name, or null when it is not a valid name (path tricks included). */
export function parseRepoName(input: string): string | null {
  const name = input.endsWith('.git') ? input.slice(0, -4) : input;
  if (!REPO_NAME_RE.test(name) || name.endsWith('.git') || name.endsWith('.lock') || name.includes('..')) return null;
  return name;
}

export interface RepoView {
  id: string;
  org: string;
  name: string;
  /** Clone URL. */
  url: string;
  createdAt: string;
  createdBy: string | null;
}

/** Creates, lists and deletes an org's git repositories: a row for each, and a bare repository on disk. */
export class RepoService {
  constructor(private readonly d: CoreDeps, private readonly storage: RepoStorage, private readonly publicUrl: string) {}

  view(org: Org, g: GitRepo): RepoView {
    return {
      id: g.id, org: org.name, name: g.name, url: `${this.publicUrl}/${org.name}/_git/${g.name}`,
      createdAt: new Date(g.createdAt).toISOString(), createdBy: g.createdBy,
    };
  }

  async list(org: Org): Promise<RepoView[]> {
    return (await this.d.store.r.gitRepos.listForOrg(org.id)).map((g) => this.view(org, g));
  }

  /** The repository if it exists (`name` as requested, e.g. with ".git"). */
  async find(org: Org, name: string): Promise<GitRepo | null> {
    const n = parseRepoName(name);
    return n === null ? null : this.d.store.r.gitRepos.get(org.id, n);
  }

  async create(ctx: RequestContext, org: Org, input: string): Promise<RepoView> {
    const name = parseRepoName(typeof input === 'string' ? input : '');
    if (name === null) {
      throw new PatdError('validation_failed', 'name must be 1–100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit (a trailing ".git" is dropped)', { field: 'name' });
    }
    const now = this.d.clock.now();
    const g: GitRepo = { id: newId('rep'), orgId: org.id, name, createdAt: now, createdBy: ctx.actor.name };
    await this.d.store.tx(async (r) => {
      if (await r.gitRepos.get(org.id, name)) throw new PatdError('conflict', `repository "${name}" already exists in org "${org.name}"`, { field: 'name' });
      await r.gitRepos.insert(g);
      await this.d.events.record(r, ctx, now, { action: 'repo.created', targetType: 'repo', targetId: g.id, orgIds: [org.id], details: { org: org.name, name } });
      // On disk last: a failure rolls the row back.
      await this.storage.create(org.name, name);
    });
    return this.view(org, g);
  }

  async remove(ctx: RequestContext, org: Org, input: string): Promise<void> {
    const name = parseRepoName(input) ?? '';
    await this.d.store.tx(async (r) => {
      const g = name ? await r.gitRepos.get(org.id, name) : null;
      if (!g) throw new PatdError('not_found', `no repository "${input.slice(0, 100)}" in org "${org.name}"`);
      await r.gitRepos.delete(g.id);
      await this.d.events.record(r, ctx, this.d.clock.now(), { action: 'repo.deleted', targetType: 'repo', targetId: g.id, orgIds: [org.id], details: { org: org.name, name } });
    });
    await this.storage.remove(org.name, name);
  }
}
