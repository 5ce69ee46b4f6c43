import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { makeLogger } from '../../src/adapters/logger.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { createPatd, type Overrides, type Patd } from '../../src/server.js';
import { createTestDb, type TestDb } from './db.js';

export interface TestPatd extends Patd {
  db: TestDb;
  clock: ManualClock;
  /** Everything the server logged, as written. */
  logs: string[];
  /** Signs in and returns what authenticated requests need. */
  signIn(username: string, password: string): Promise<Auth>;
  req(method: InjectOptions['method'], url: string, o?: { auth?: Auth; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

export type Auth = { cookie: string; csrf: string } | { token: string } | { basic: string };

export const ADMIN_PASSWORD = 'admin-password-1';
export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

/** A patd on a fresh database of the dialect, with a manual clock and captured logs. */
export async function startTestPatd(dialect: 'sqlite' | 'postgres', o: { env?: Record<string, string>; overrides?: Overrides; clock?: ManualClock } = {}): Promise<TestPatd> {
  const db = await createTestDb(dialect);
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const config = loadConfig({
    PATD_DATA_DIR: db.dataDir, PATD_DATABASE_URL: db.url, PATD_PORT: '0', PATD_LOG_LEVEL: 'info',
    PATD_SECRET: 'test-secret-test-secret-test-secret-0123', ...o.env,
  });
  const clock = o.clock ?? new ManualClock(T0);
  // Sessions outlive the clock jumps tests make.
  const patd = await createPatd(config, { clock, logger: makeLogger('info', sink), ...o.overrides, settings: { sessionDays: 3650, ...o.overrides?.settings } });
  await patd.accounts.bootstrap(ADMIN_PASSWORD, 'admin@example.test');

  const req: TestPatd['req'] = (method, url, r = {}) => {
    const headers: Record<string, string> = { ...r.headers };
    const a = r.auth;
    if (a && 'cookie' in a) {
      headers.cookie = `patd_session=${a.cookie}`;
      headers['x-csrf-token'] ??= a.csrf;
    } else if (a && 'token' in a) headers.authorization = `Bearer ${a.token}`;
    else if (a && 'basic' in a) headers.authorization = `Basic ${Buffer.from(`:${a.basic}`).toString('base64')}`;
    return patd.app.inject({ method, url, headers, ...(r.body !== undefined ? { payload: r.body as object } : {}) });
  };
  let stopping: Promise<void> | undefined;
  return {
    ...patd, db, clock, logs, req,
    async signIn(username, password) {
      const res = await req('POST', '/api/v1/session', { body: { username, password } });
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
      const c = res.cookies.find((x) => x.name === 'patd_session');
      return { cookie: c?.value ?? '', csrf: res.json().csrfToken };
    },
    stop() {
      stopping ??= patd.close().then(() => db.drop());
      return stopping;
    },
  };
}

/** Creates a user through the API (as admin) and signs them in. */
export async function addUser(p: TestPatd, admin: Auth, username: string, extra: Record<string, unknown> = {}): Promise<{ id: string; auth: Auth }> {
  const password = `${username}-password-1`;
  const res = await p.req('POST', '/api/v1/users', { auth: admin, body: { username, email: `${username}@example.test`, password, ...extra } });
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.body}`);
  return { id: res.json().id, auth: await p.signIn(username, password) };
}

export async function createToken(p: TestPatd, auth: Auth, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await p.req('POST', '/api/v1/tokens', { auth, body });
  if (res.statusCode !== 201) throw new Error(`create token failed: ${res.statusCode} ${res.body}`);
  return { id: res.json().token.id, secret: res.json().secret };
}
