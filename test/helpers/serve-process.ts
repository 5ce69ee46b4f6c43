import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface ServeProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Polls until `ok()` holds (every 25 ms, up to `ms`). Access lines reach patd serve's stdout in
 * batches (up to 100 ms late), so a test looking for one waits for it.
 */
export async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs `patd serve` (or any command that serves) as a real process on a free port and waits
 * for the log line that says where it listens.
 */
export async function spawnServe(cmd: string, args: string[], env: Record<string, string | undefined>, o: { cwd?: string; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const child = spawn(cmd, args, { cwd: o.cwd, env: { ...process.env, PATD_PORT: '0', PATD_LOG_FORMAT: 'json', ...env } });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} did not start: ${out}`)), o.timeoutMs ?? 60_000);
    const check = () => {
      // The JSON line, or the human-readable one (PATD_LOG_FORMAT=pretty).
      const m = out.match(/"url":"(http:\/\/[^"]+)".*"msg":"patd is listening"|patd is listening \{"url":"(http:\/\/[^"]+)"/);
      const url = m?.[1] ?? m?.[2];
      if (url) {
        clearTimeout(t);
        resolve(url);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${cmd} ${args.join(' ')} exited (${code}): ${out}`));
    });
  });
  return {
    url, child, output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Signs in over HTTP; returns the cookie header and CSRF token for later calls. */
export async function signInHttp(base: string, username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { cookie, csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
}

/** A JSON API call with a session. */
export async function api(base: string, s: { cookie: string; csrf: string }, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}/api/v1${path}`, {
    method, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
