import { mkdtempSync } from 'node:fs';
import { buildApp } from '../src/adapters/http/app.js';
import { forwardAuthRoutes } from '../src/adapters/http/routes/forward-auth.js';
import { makeLogger } from '../src/adapters/logger.js';
import { loadConfig } from '../src/config.js';
import { createPatd } from '../src/server.js';
import { runLoad } from './lib/load.js';
const d = mkdtempSync('/tmp/cmp-');
const patd = await createPatd(loadConfig({ PATD_DATA_DIR: d, PATD_PORT: '0', PATD_SECRET: 'x'.repeat(40) }), { logger: makeLogger('info') });
await patd.accounts.bootstrap('bench-admin-password-1');
const admin = await patd.accounts.byUsername('admin');
const { secret } = await patd.tokens.create({ user: admin, token: null, ip: null, userAgent: 'b' }, admin, { name: 'b', scopes: ['code:read'], orgs: '*', expiresInDays: 30 }, { via: 'api' });
const H = { 'x-patd-user': 'admin', 'x-patd-user-id': 'usr_0CL7MHM6dvbF5EAmE', 'x-patd-token-id': 'tok_0RPk004qWYhvGJ84R', 'x-patd-scopes': 'code:read', 'x-patd-orgs': '', 'cache-control': 'no-store' };
const app = await buildApp({ core: patd.core, accounts: patd.accounts, orgs: patd.orgs, tokens: patd.tokens, logger: patd.logger, http: { publicUrl: 'http://x', trustProxy: false }, ready: async () => {},
  extensions: [forwardAuthRoutes, (a) => { a.get('/bare', { config: { auth: 'none' }, logLevel: 'warn' }, async (_r, reply) => reply.headers(H).send()); }] });
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const authorization = `Basic ${Buffer.from(`:${secret}`).toString('base64')}`;
for (const path of (process.env.P ?? '/bare,/auth/verify').split(',')) {
  const f = () => app.inject({ url: path, headers: { authorization } });
  for (let i = 0; i < 5000; i++) await f();
  const n = Number(process.env.N ?? 30000); const s = performance.now();
  for (let i = 0; i < n; i++) await f();
  console.log('inject', path.padEnd(14), ((performance.now() - s) * 1000 / n).toFixed(2), 'µs');
}
for (let i = 0; i < 0; i++) for (const path of ['/bare', '/auth/verify', '/healthz']) {
  const r = await runLoad({ url: `${base}${path}`, headers: { authorization }, connections: 50, warmupSec: 1, durationSec: 3 });
  console.log(path.padEnd(14), Math.round(r.rps), `other ${(r.otherCpu * 100).toFixed(0)}%`);
}
await app.close(); await patd.close();
