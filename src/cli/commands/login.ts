import { hostname } from 'node:os';
import { DeviceFlowError, deviceFlow, isPatd } from '../../credential-helper/device-flow.js';
import { credentialsPath, isFresh, readCredentials, type SavedToken, updateCredentials } from '../../credential-helper/store.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

/** "https://patd.example.com/" → "https://patd.example.com" (the key of a saved login). */
export function normalizeUrl(u: string): string {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new CliError(`--url must be an http(s) URL (got "${u}")`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url must be an http(s) URL (got "${u}")`, 2);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The saved `patd login` for --url (or PATD_URL, or the only saved login). */
export function savedLogin(urlArg: unknown): { base: string; saved: SavedToken } {
  const logins = readCredentials(credentialsPath()).cli;
  const given = typeof urlArg === 'string' ? urlArg : process.env.PATD_URL;
  const keys = Object.keys(logins);
  const base = given ? normalizeUrl(given) : keys.length === 1 ? (keys[0] as string) : null;
  if (!base) throw new CliError(keys.length ? 'several logins are saved; pass --url' : 'not signed in; run "patd login --url URL"', 2);
  const saved = logins[base];
  if (!isFresh(saved)) throw new CliError(`not signed in to ${base} (or the token expired); run "patd login --url ${base}"`);
  return { base, saved };
}

/** Calls the API of a remote patd with the saved login's token. */
export async function remoteApi(urlArg: unknown, method: string, path: string, body?: unknown): Promise<unknown> {
  const { base, saved } = savedLogin(urlArg);
  const res = await fetch(`${base}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${saved.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const j = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new CliError(`${base}: ${String(j.detail ?? j.title ?? res.statusText)}${j.code ? ` (${String(j.code)})` : ''}`);
  return j;
}

export const login: Command = {
  name: 'login',
  summary: 'Sign in to a patd server by device flow and keep the token for later commands',
  usage: 'patd login --url URL [--scopes a,b] [--orgs a,b] [--json]',
  options: {
    url: { type: 'string', value: 'URL', description: "the patd server's public URL, e.g. https://patd.example.com" },
    scopes: { type: 'string', value: 'a,b', description: 'scopes the token asks for (default profile:read,code:manage)' },
    orgs: { type: 'string', value: 'a,b', description: 'orgs the token is limited to (default: every org you belong to)' },
    json: JSON_OPTION,
  },
  help: [
    'Prints a link and a code (on stderr); approve it in the browser where you are signed in.',
    'Default scopes: profile:read,code:manage. The token is saved in $XDG_CONFIG_HOME/patd/credentials.json',
    '(~/.config/patd/credentials.json), mode 0600. Commands that use it: patd whoami, patd repo add|list|remove --url URL.',
  ].join('\n'),
  async run({ values }) {
    if (typeof values.url !== 'string') throw new CliError('--url is required', 2);
    const base = normalizeUrl(values.url);
    if (!(await isPatd(base))) throw new CliError(`${base} does not look like a patd server (no /.well-known/patd)`);
    const scope = ((values.scopes as string | undefined) ?? 'profile:read,code:manage').split(',').map((s) => s.trim()).filter(Boolean).join(' ');
    try {
      const r = await deviceFlow({
        base, clientId: 'patd-cli', scope, orgs: values.orgs as string | undefined, tokenName: `patd CLI on ${hostname()}`,
        say: (s) => process.stderr.write(`${s}\n`),
      });
      const file = credentialsPath();
      updateCredentials(file, (c) => {
        c.cli[base] = { token: r.token, tokenId: r.tokenId, expiresAt: r.expiresAt, scope: r.scope, createdAt: new Date().toISOString(), url: base };
      });
      const out = { url: base, tokenId: r.tokenId ?? null, scope: r.scope, expiresAt: r.expiresAt, file };
      if (values.json) print(true, out);
      else process.stdout.write(`signed in to ${base}; token ${r.tokenId ?? ''} (${r.scope}) saved in ${file}, expires ${r.expiresAt}\n`);
      return 0;
    } catch (e) {
      if (e instanceof DeviceFlowError) throw new CliError(e.message);
      throw e;
    }
  },
};

export const logout: Command = {
  name: 'logout',
  summary: 'Revoke the token saved by patd login and forget it',
  usage: 'patd logout [--url URL] [--keep-token] [--json]',
  options: {
    url: { type: 'string', value: 'URL', description: 'which saved login (needed when several are saved; or PATD_URL)' },
    'keep-token': { type: 'boolean', description: 'only forget the token here; do not revoke it on the server' },
    json: JSON_OPTION,
  },
  help: 'The token is revoked on the server (DELETE /api/v1/tokens/self) unless --keep-token is given; it is forgotten either way.',
  async run({ values }) {
    const { base } = savedLogin(values.url);
    if (!values['keep-token']) {
      try {
        await remoteApi(values.url, 'DELETE', '/tokens/self');
      } catch (e) {
        process.stderr.write(`patd logout: could not revoke the token (${(e as Error).message}); forgetting it anyway\n`);
      }
    }
    updateCredentials(credentialsPath(), (c) => {
      delete c.cli[base];
    });
    if (values.json) print(true, { url: base, revoked: !values['keep-token'] });
    else process.stdout.write(`${values['keep-token'] ? 'forgot' : 'revoked and forgot'} the login for ${base}\n`);
    return 0;
  },
};

export const whoami: Command = {
  name: 'whoami',
  summary: 'Show who the saved login is on a remote patd',
  usage: 'patd whoami [--url URL] [--json]',
  options: {
    url: { type: 'string', value: 'URL', description: 'which saved login (needed when several are saved; or PATD_URL)' },
    json: JSON_OPTION,
  },
  async run({ values }) {
    const me = (await remoteApi(values.url, 'GET', '/me')) as { user: { username: string }; orgs: { name: string; role: string }[]; token?: { id: string; scopes: string[]; expiresAt: string } };
    if (values.json) print(true, me);
    else process.stdout.write(`${me.user.username} (orgs: ${me.orgs.map((o) => `${o.name}:${o.role}`).join(', ') || '-'}; token ${me.token?.id ?? '-'} ${me.token?.scopes.join(',') ?? ''}, expires ${me.token?.expiresAt ?? '-'})\n`);
    return 0;
  },
};
