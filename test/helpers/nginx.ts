import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];

/** The nginx binary, or null. With CI set, a missing nginx is an error, not a skip. */
export function findNginx(): string | null {
  const bin = CANDIDATES.find((p) => existsSync(p)) ?? null;
  if (!bin && process.env.CI) throw new Error('nginx is not installed (apt-get install -y nginx-light); CI requires it');
  if (!bin) process.stderr.write('warning: nginx not found; skipping the nginx tests (CI would fail)\n');
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface Nginx {
  port: number;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground on a free loopback port with `http` (the body of the http
 * block; `PORT` in it is replaced by the port). Logs, pid and temp files stay in a temp dir.
 */
export async function startNginx(bin: string, http: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'patd-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  const conf = `${user}worker_processes 1;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
${http.replaceAll('PORT', String(port))}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Wait until it accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''}`);
    // redirect: manual: a server block that redirects to https counts as up.
    const ok = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' }).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port, dir,
    errorLog: () => (existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
