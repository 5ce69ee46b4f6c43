import { loadConfig, loadDotEnv } from '../../config.js';
import { PatdError } from '../../core/errors.js';
import type { Org } from '../../core/model.js';
import type { RepoService, RepoView } from '../../core/repos/service.js';
import { type LocalContext, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION, type Options } from '../types.js';
import { remoteApi } from './login.js';

const CLI_CTX = { actor: { type: 'system' as const, id: null, name: 'cli' }, ip: null, userAgent: 'patd-cli' };
const REMOTE = 'With --url URL, works on a remote patd through the API with the token saved by "patd login".';
const OPTIONS: Options = {
  url: { type: 'string', value: 'URL', description: 'work on this remote patd through its API (with the "patd login" token) instead of the local database' },
  json: JSON_OPTION,
};

/** Runs `fn` on this machine's database and git folder. */
async function local<T>(orgName: string, fn: (repos: RepoService, org: Org) => Promise<T>): Promise<T> {
  loadDotEnv();
  const config = loadConfig(process.env, { ensureSecret: false });
  return withLocal(async (c: LocalContext) => {
    // Loaded with the database (cli/context.ts), not for --help or a remote --url.
    const [{ RepoService }, { DiskRepoStorage }] = await Promise.all([import('../../core/repos/service.js'), import('../../adapters/git/storage.js')]);
    const org = await c.core.store.r.orgs.byName(orgName);
    if (!org) throw new PatdError('not_found', `no org "${orgName.slice(0, 40)}"`);
    return fn(new RepoService(c.core, new DiskRepoStorage(config.dataDir), config.publicUrl), org);
  });
}

/** `ORG NAME`, or `ORG/NAME` as git hosts write it. */
const args = (positionals: string[], n: number) => {
  const words = n === 2 && positionals.length === 1 ? (positionals[0] ?? '').split('/') : positionals;
  if (words.length !== n || words.some((w) => w === '')) throw new CliError(`expected ${n === 1 ? 'ORG' : 'ORG NAME (or ORG/NAME)'}`, 2);
  return words as [string, string];
};

export const repoAdd: Command = {
  name: 'repo add',
  summary: 'Create an empty git repository in an org (HEAD on main)',
  usage: 'patd repo add ORG NAME|ORG/NAME [--url URL] [--json]',
  options: OPTIONS,
  help: REMOTE,
  async run({ values, positionals }) {
    const [org, name] = args(positionals, 2);
    const repo = values.url
      ? ((await remoteApi(values.url, 'POST', `/orgs/${encodeURIComponent(org)}/repos`, { name })) as RepoView)
      : await local(org, (r, o) => r.create(CLI_CTX, o, name));
    if (values.json) print(true, repo);
    else process.stdout.write(`created ${repo.org}/${repo.name}: ${repo.url}\n`);
    return 0;
  },
};

export const repoList: Command = {
  name: 'repo list',
  summary: "List an org's git repositories",
  usage: 'patd repo list ORG [--url URL] [--json]',
  options: OPTIONS,
  help: REMOTE,
  async run({ values, positionals }) {
    const [org] = args(positionals, 1);
    const items = values.url
      ? ((await remoteApi(values.url, 'GET', `/orgs/${encodeURIComponent(org)}/repos`)) as { items: RepoView[] }).items
      : await local(org, (r, o) => r.list(o));
    print(!!values.json, { items, nextCursor: null }, items.map((i) => ({ name: i.name, url: i.url, created: i.createdAt, by: i.createdBy })));
    return 0;
  },
};

export const repoRemove: Command = {
  name: 'repo remove',
  summary: 'Delete a git repository and everything in it',
  usage: 'patd repo remove ORG NAME|ORG/NAME [--url URL] [--json]',
  options: OPTIONS,
  help: REMOTE,
  async run({ values, positionals }) {
    const [org, name] = args(positionals, 2);
    if (values.url) await remoteApi(values.url, 'DELETE', `/orgs/${encodeURIComponent(org)}/repos/${encodeURIComponent(name)}`);
    else await local(org, (r, o) => r.remove(CLI_CTX, o, name));
    if (values.json) print(true, { removed: `${org}/${name}` });
    else process.stdout.write(`removed ${org}/${name}\n`);
    return 0;
  },
};
