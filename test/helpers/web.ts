import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** The CSP every page is served with (src/web/render.ts). */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A page in a browser context, with everything that went wrong in it: console errors (CSP violations land there) and page errors. */
export interface Tab {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

export async function openTab(browser: Browser, o: { context?: BrowserContext; javaScript?: boolean; width?: number } = {}): Promise<Tab> {
  const context = o.context ?? (await browser.newContext({ javaScriptEnabled: o.javaScript ?? true, viewport: { width: o.width ?? 1280, height: 800 } }));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()} at ${m.location().url}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, context, problems };
}

/** Waits for the document a click or key leads to (after redirects); returns its status and CSP. */
export async function navigation(page: Page, act: () => Promise<unknown>): Promise<{ status: number; csp?: string }> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)),
    page.waitForEvent('load'),
    act(),
  ]);
  return { status: res.status(), csp: res.headers()['content-security-policy'] };
}

export const click = (page: Page, target: Locator) => navigation(page, () => target.click());

export async function open(page: Page, url: string): Promise<{ status: number; csp?: string }> {
  const res = await page.goto(url);
  assert.ok(res, `no response for ${url}`);
  return { status: res.status(), csp: res.headers()['content-security-policy'] };
}

/** Fills the sign-in form on the page (any page a signed-out browser opens) and submits it. */
export async function signInHere(page: Page, username: string, password = `${username}-password-1`) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  return click(page, page.getByRole('button', { name: 'Sign in' }));
}

export const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

/** The <dd> of a <dt> in a page's facts. */
export const fact = (page: Page, term: string) => page.locator('dl.facts dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').innerText();

const axeSource = readFileSync(join(createRequire(import.meta.url).resolve('axe-core'), '..', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (injected from the npm package; the page's CSP does not apply to
 * scripts the test harness evaluates) and returns its serious and critical findings.
 */
export async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run({ resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** No horizontal scrolling: the document is no wider than the viewport. */
export async function scrollWidth(page: Page): Promise<{ scroll: number; viewport: number }> {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
}

/** With PATD_SCREENSHOTS=1, the user guide's pictures (docs/images/NAME.png); else a temp folder for debugging. */
export function screenshots(fallbackDir: string) {
  const docs = process.env.PATD_SCREENSHOTS === '1';
  const dir = docs ? join(import.meta.dirname, '..', '..', 'docs', 'images') : fallbackDir;
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    docs,
    async take(page: Page, name: string, o: { fullPage?: boolean } = {}) {
      await page.screenshot({ path: join(dir, `${name}.png`), fullPage: o.fullPage ?? true });
    },
  };
}
