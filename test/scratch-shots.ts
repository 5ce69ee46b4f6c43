import { launchBrowser } from './helpers/browser.js';
import { ADMIN_PASSWORD, addUser, createToken, startTestPatd } from './helpers/harness.js';
import { freePort } from './helpers/nginx.js';
import { listen } from './helpers/sibling.js';
import { axeFindings, click, open, openTab, scrollWidth, signInHere } from './helpers/web.js';

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const p = await startTestPatd('sqlite', { env: { PATD_PUBLIC_URL: base } });
await listen(p, port);
const admin = await p.signIn('admin', ADMIN_PASSWORD);
const a = await addUser(p, admin, 'alice');
await p.req('POST', '/api/v1/orgs', { auth: a.auth, body: { name: 'acme', displayName: 'Acme Corp' } });
await p.req('POST', '/api/v1/orgs', { auth: a.auth, body: { name: 'beta' } });
await p.req('PUT', '/api/v1/orgs/acme/policy', { auth: a.auth, body: { maxLifetimeDays: 90, allowFullAccess: false } });
const t = await createToken(p, a.auth, { name: 'laptop git', scopes: ['code:write', 'profile:read'], orgs: ['acme'], expiresInDays: 5 });
await createToken(p, a.auth, { name: 'CI deploy <b>', scopes: ['packaging:read', 'build:execute'], orgs: ['beta'], expiresInDays: 180 });
for (let i = 0; i < 12; i++) { p.clock.advance(3600_000 * 7); await p.req('GET', '/api/v1/me', { auth: { token: t.secret } }); if (i % 3 === 0) await p.core.verifier.flushUsage(); }
await p.core.verifier.flushUsage();
const browser = (await launchBrowser())!;
const tab = await openTab(browser);
await open(tab.page, `${base}/tokens`);
await tab.page.screenshot({ path: '/tmp/shots/signin.png', fullPage: true });
await signInHere(tab.page, 'alice');
for (const [name, url] of [['list', '/tokens'], ['new', '/tokens/new'], ['token', `/tokens/${t.id}`], ['revoke', `/tokens/${t.id}/revoke`], ['edit', `/tokens/${t.id}/edit`], ['404', '/nope']]) {
  await open(tab.page, base + url);
  await tab.page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  console.log(name, await axeFindings(tab.page), await scrollWidth(tab.page));
}
await tab.page.setViewportSize({ width: 360, height: 740 });
for (const [name, url] of [['list-360', '/tokens'], ['new-360', '/tokens/new'], ['token-360', `/tokens/${t.id}`]]) {
  await open(tab.page, base + url);
  await tab.page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
  console.log(name, await scrollWidth(tab.page));
}
console.log(tab.problems);
await browser.close();
await p.stop();
