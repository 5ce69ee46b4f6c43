import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RepoStorage } from '../../core/repos/model.js';

const run = promisify(execFile);

/** Bare repositories under {dataDir}/git/{org}/{name}.git. Names are validated by the core. */
export class DiskRepoStorage implements RepoStorage {
  readonly root: string;
  constructor(dataDir: string, private readonly gitBin = 'git') {
    this.root = join(dataDir, 'git');
  }

  path(org: string, name: string): string {
    return join(this.root, org, `${name}.git`);
  }

  async create(org: string, name: string): Promise<void> {
    const dir = this.path(org, name);
    await mkdir(join(this.root, org), { recursive: true, mode: 0o700 });
    // A repository already on disk (restored or copied in) is adopted, never wiped.
    if (!existsSync(join(dir, 'HEAD'))) {
      await run(this.gitBin, ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env: gitEnv() });
    }
    await run(this.gitBin, ['-C', dir, 'config', 'http.receivepack', 'true'], { env: gitEnv() });
  }

  async remove(org: string, name: string): Promise<void> {
    await rm(this.path(org, name), { recursive: true, force: true });
  }
}

/** git run by the server sees none of the server's own configuration or secrets. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...extra };
}
