import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright's own browser downloads are not used. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a CI box: we run as root (no sandbox), there is no GPU and
 * no network, so nothing may try to phone home (QUIC, component updates, sync, ...).
 */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium binary, or null. With CI set, a missing Chromium is an error, not a skip. */
export function findChromium(): string | null {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.env.CI) throw new Error(`chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); CI requires it`);
  process.stderr.write('warning: chromium not found; skipping the browser tests (CI would fail)\n');
  return null;
}

/** A headless Debian Chromium driven by playwright-core, or null (after a warning) when it is not installed outside CI. */
export async function launchBrowser(): Promise<Browser | null> {
  const executablePath = findChromium();
  if (!executablePath) return null;
  return chromium.launch({ executablePath, args: ARGS, headless: true });
}
