import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A token kept on this machine for a patd server (never printed, file mode 0600). */
export interface SavedToken {
  token: string;
  tokenId?: string;
  /** ISO 8601. */
  expiresAt: string;
  scope?: string;
  createdAt: string;
  /** What the token is for, e.g. the git URL. */
  url?: string;
}

export interface CredentialsFile {
  version: 1;
  /** git-credential-patd: keyed by "{base URL} {org or *}". */
  git: Record<string, SavedToken>;
  /** `patd login`: keyed by base URL. */
  cli: Record<string, SavedToken>;
}

/** $XDG_CONFIG_HOME/patd/credentials.json, or ~/.config/patd/credentials.json. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'patd', 'credentials.json');
}

export function readCredentials(file: string): CredentialsFile {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<CredentialsFile>;
    return { version: 1, git: j.git && typeof j.git === 'object' ? j.git : {}, cli: j.cli && typeof j.cli === 'object' ? j.cli : {} };
  } catch {
    return { version: 1, git: {}, cli: {} };
  }
}

/** Writes the whole file atomically, readable by the user only. */
export function writeCredentials(file: string, c: CredentialsFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function updateCredentials(file: string, fn: (c: CredentialsFile) => void): CredentialsFile {
  const c = readCredentials(file);
  fn(c);
  writeCredentials(file, c);
  return c;
}

/** Still usable for at least another minute? */
export function isFresh(t: SavedToken | undefined, now = Date.now()): t is SavedToken {
  return !!t && typeof t.token === 'string' && Date.parse(t.expiresAt) > now + 60_000;
}
