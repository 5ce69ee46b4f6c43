import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What patd keeps in its data folder is readable by its own user only. */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates `dir` (and its parents) private to patd's user; an existing one is made private. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
}

/**
 * Creates `file` empty and private if it does not exist. SQLite creates its `-wal` and `-shm`
 * files with the mode of the database file, so creating `patd.db` this way covers all three.
 */
export function privateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE));
  chmodSync(file, PRIVATE_FILE);
}

type Warn = (obj: Record<string, unknown>, msg: string) => void;

/**
 * Start-up repair for installs made before patd kept its files private: the data folder, the
 * SQLite database with its `-wal`/`-shm`, the generated `secret`, the mail folder and its
 * `.eml` files, and the git repositories folder (inside it git keeps its own modes; the
 * folder keeps others out). Only what exists is touched; a failure is a warning, not a stop.
 */
export function tightenDataDir(dataDir: string, sqliteFile: string | null, warn: Warn): void {
  const fix = (path: string, mode: number) => {
    try {
      if (existsSync(path)) chmodSync(path, mode);
    } catch (err) {
      warn({ path, err }, 'could not make a data file private to patd (chmod failed)');
    }
  };
  fix(dataDir, PRIVATE_DIR);
  fix(join(dataDir, 'secret'), PRIVATE_FILE);
  if (sqliteFile) for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`, `${sqliteFile}-journal`]) fix(f, PRIVATE_FILE);
  const mail = join(dataDir, 'mail');
  fix(mail, PRIVATE_DIR);
  if (existsSync(mail)) {
    for (const f of readdirSync(mail)) if (f.endsWith('.eml')) fix(join(mail, f), PRIVATE_FILE);
  }
  fix(join(dataDir, 'git'), PRIVATE_DIR);
}
