import { hostname } from 'node:os';
import { deviceFlow, isPatd } from './device-flow.js';
import { credentialsPath, isFresh, readCredentials, updateCredentials } from './store.js';
import { VERSION } from '../version.js';

/**
 * git-credential-patd: git's credential helper protocol (git help credential) for patd.
 * `get`: a saved token for the server and org, or a new one by device sign-in;
 * `erase`: forget a token git found bad; `store`: nothing to do (tokens are saved on `get`).
 * stdout carries only the credential protocol; everything for the person goes to stderr.
 */
export interface HelperIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: git-credential-patd <get|store|erase>   (--version: the version)

A git credential helper for patd. Set it up with
  git config --global credential.https://patd.example.com.helper patd
  git config --global credential.https://patd.example.com.useHttpPath true
On "get" it uses the token saved for the server and org, or signs in by device flow
(open the printed link, approve) and saves a new token with code:write.
Tokens are kept in $XDG_CONFIG_HOME/patd/credentials.json (~/.config/patd/…), mode 0600.
`;

export async function readCredentialInput(stdin: NodeJS.ReadableStream): Promise<Map<string, string>> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (/(^|\n)\n/.test(text)) break;
  }
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') break;
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Which patd server and org a git URL is for: {base}/{org}/_git/{repo}. */
export function target(input: Map<string, string>): { base: string; org: string | null; key: string; url: string } | null {
  const protocol = input.get('protocol');
  const host = input.get('host');
  if ((protocol !== 'http' && protocol !== 'https') || !host || /[\s/]/.test(host)) return null;
  const segs = (input.get('path') ?? '').split('/').filter(Boolean);
  const at = segs.indexOf('_git');
  const org = at >= 1 ? (segs[at - 1] as string) : null;
  const prefix = at >= 1 ? segs.slice(0, at - 1).join('/') : '';
  const base = `${protocol}://${host}${prefix ? `/${prefix}` : ''}`;
  return { base, org, key: `${base} ${org ?? '*'}`, url: `${base}/${org ? `${org}/` : ''}` };
}

export async function main(argv: string[], io: HelperIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const op = argv[0];
  if (op === '--version' || op === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (op === '--help' || op === '-h' || !op) {
    io.stderr.write(USAGE);
    return op ? 0 : 2;
  }
  if (op !== 'get' && op !== 'store' && op !== 'erase') return 0; // unknown operations are ignored, as git asks
  const input = await readCredentialInput(io.stdin);
  const t = target(input);
  if (!t) return 0;
  const file = credentialsPath(io.env);
  const say = (s: string) => io.stderr.write(`${s.split('\n').map((l) => `git-credential-patd: ${l}`).join('\n')}\n`);

  if (op === 'erase') {
    const password = input.get('password');
    updateCredentials(file, (c) => {
      for (const [k, v] of Object.entries(c.git)) if (k === t.key || (password && v.token === password)) delete c.git[k];
    });
    return 0;
  }
  if (op === 'store') return 0;

  const saved = readCredentials(file).git[t.key];
  let token = isFresh(saved) ? saved.token : null;
  if (!token) {
    if (!(await isPatd(t.base))) return 0; // not a patd server: let the next helper answer
    try {
      say(`${t.url} asks you to sign in to patd for git.`);
      const r = await deviceFlow({
        base: t.base, clientId: 'git-credential-patd', scope: 'code:write', orgs: t.org ?? undefined,
        tokenName: `git: ${t.url} on ${hostname()}`, say, timeoutMs: Number(io.env.PATD_DEVICE_TIMEOUT_MS) || undefined,
      });
      updateCredentials(file, (c) => {
        c.git[t.key] = { token: r.token, tokenId: r.tokenId, expiresAt: r.expiresAt, scope: r.scope, createdAt: new Date().toISOString(), url: t.url };
      });
      say(`signed in; the token is saved in ${file} (expires ${r.expiresAt.slice(0, 10)}).`);
      token = r.token;
    } catch (e) {
      say((e as Error).message);
      return 1;
    }
  }
  io.stdout.write(`username=${input.get('username') || 'patd'}\npassword=${token}\n`);
  return 0;
}
