import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies a folder. Inside each folder `objects` is copied last: a git repository copied while
 * someone pushes then has refs that only point at objects it has (git writes objects before
 * it moves a ref). Modes keep only the owner's bits (folders 0700, files 0600, hooks 0700).
 */
export function copyTree(src: string, dest: string): number {
  let files = 0;
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  chmodSync(dest, 0o700);
  const entries = readdirSync(src).sort((a, b) => Number(a === 'objects') - Number(b === 'objects') || a.localeCompare(b));
  for (const e of entries) {
    const from = join(src, e);
    const to = join(dest, e);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(from);
    } catch {
      continue; // removed while we copy (a lock file, a pruned object): not part of the copy
    }
    if (st.isDirectory()) files += copyTree(from, to);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) {
      try {
        copyFileSync(from, to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      chmodSync(to, (st.mode & 0o700) | 0o600);
      files++;
    }
  }
  return files;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A folder that does not exist, or exists with nothing in it. */
export function isEmptyOrMissing(dir: string): boolean {
  return !existsSync(dir) || (lstatSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

/** Bare repositories under a git folder laid out as {org}/{name}.git. */
export function countRepositories(gitDir: string): number {
  if (!existsSync(gitDir)) return 0;
  let n = 0;
  for (const org of readdirSync(gitDir)) {
    const p = join(gitDir, org);
    if (lstatSync(p).isDirectory()) n += readdirSync(p).filter((x) => x.endsWith('.git')).length;
  }
  return n;
}
