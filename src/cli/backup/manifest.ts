import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteFacts } from '../../adapters/storage/sqlite-file.js';
import { CliError } from '../types.js';

export const MANIFEST = 'manifest.json';
export const DB_FILE = 'patd.db';

/** manifest.json of a backup folder: what is in it and what made it. */
export interface Manifest {
  format: 'patd-backup';
  version: 1;
  patdVersion: string;
  createdAt: string;
  /** null: a files-only backup (PostgreSQL: the database is saved with pg_dump). */
  database: (SqliteFacts & { dialect: 'sqlite'; file: string; sha256: string; bytes: number }) | null;
  /** `file`: the generated secret is in the backup; `environment`: PATD_SECRET was set, keep it with the configuration. */
  secret: 'file' | 'environment' | 'none';
  git: { repositories: number; files: number } | null;
}

export function readManifest(dir: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    throw new CliError(`${dir} is not a patd backup (${join(dir, MANIFEST)}: ${(e as Error).message})`);
  }
  if (m?.format !== 'patd-backup') throw new CliError(`${dir} is not a patd backup (no "format": "patd-backup" in ${MANIFEST})`);
  if (m.version !== 1) throw new CliError(`${dir} is a backup format version ${String(m.version)} that this patd cannot read; use a newer patd`);
  return m;
}
