/**
 * patd on its own, for bench/pinned.ts and bench/instructions.ts: PATD_DATABASE_URL and PATD_DATA_DIR from the
 * environment, access lines written as in production (to a file descriptor, here /dev/null) at
 * BENCH_LOG_LEVEL. Sends { url, authorization } (a PAT with profile:read and code:read) over IPC.
 */
import pino from 'pino';
import { makeLogger } from '../../dist/adapters/logger.js';
import { loadConfig } from '../../dist/config.js';
import { createPatd } from '../../dist/server.js';

const level = process.env.BENCH_LOG_LEVEL ?? 'info';
const patd = await createPatd(loadConfig({
  PATD_DATA_DIR: process.env.PATD_DATA_DIR, PATD_DATABASE_URL: process.env.PATD_DATABASE_URL, PATD_HOST: '127.0.0.1', PATD_PORT: '0',
  PATD_LOG_LEVEL: level, PATD_SECRET: 'bench-secret-bench-secret-bench-secret-01',
}), { logger: makeLogger(level, pino.destination({ dest: '/dev/null', sync: false })) });
await patd.accounts.bootstrap('bench-admin-password-1');
const url = await patd.listen();
const admin = await patd.accounts.byUsername('admin');
const t = await patd.tokens.create({ user: admin, token: null, ip: null, userAgent: 'bench' }, admin, { name: 'bench', scopes: ['profile:read', 'code:read'], expiresInDays: 30 }, { via: 'api' });
process.send?.({ url, authorization: `Basic ${Buffer.from(`:${t.secret}`).toString('base64')}` });
process.on('disconnect', () => void patd.close().then(() => process.exit(0)));
