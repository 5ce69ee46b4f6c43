import { mkdtempSync } from 'node:fs';
import { makeLogger } from '../src/adapters/logger.js';
import { loadConfig } from '../src/config.js';
import { createPatd } from '../src/server.js';
import { tokenFromAuthorization } from '../src/adapters/http/credentials.js';
import { digestToken, isWellFormed } from '../src/core/tokens/format.js';
const d = mkdtempSync('/tmp/cmp-');
const patd = await createPatd(loadConfig({ PATD_DATA_DIR: d, PATD_PORT: '0', PATD_SECRET: 'x'.repeat(40) }), { logger: makeLogger('warn') });
await patd.accounts.bootstrap('bench-admin-password-1');
const admin = await patd.accounts.byUsername('admin');
const { secret } = await patd.tokens.create({ user: admin, token: null, ip: null, userAgent: 'b' }, admin, { name: 'b', scopes: ['code:read'], orgs: '*', expiresInDays: 30 }, { via: 'api' });
const authorization = `Basic ${Buffer.from(`:${secret}`).toString('base64')}`;
async function t(name: string, f: () => unknown) {
  for (let i = 0; i < 20000; i++) await f();
  const n = 200000; const s = performance.now();
  for (let i = 0; i < n; i++) await f();
  console.log(name.padEnd(20), ((performance.now() - s) * 1000 / n).toFixed(2), 'µs');
}
await t('verify', () => patd.core.verifier.verify(secret, { ip: '127.0.0.1' }));
await t('tokenFromAuth', () => tokenFromAuthorization(authorization));
await t('isWellFormed', () => isWellFormed(secret, 'patd_'));
await t('digest', () => digestToken(secret));
await patd.close();
