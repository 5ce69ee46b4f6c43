const BROWSERS: [RegExp, string][] = [
  [/\bEdg\//, 'Edge'], [/\bOPR\//, 'Opera'], [/\bFirefox\//, 'Firefox'], [/\bChromium\//, 'Chromium'], [/\bChrome\//, 'Chrome'],
  [/HeadlessChrome\//, 'Headless Chrome'], [/\bSafari\//, 'Safari'], [/^curl\//, 'curl'], [/^git\//, 'git'], [/^patd-cli|^patd\//, 'patd CLI'], [/^node|undici/i, 'Node.js'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'], [/iPhone|iPad|iOS/, 'iOS'], [/Windows/, 'Windows'], [/Mac OS X|Macintosh/, 'macOS'], [/CrOS/, 'ChromeOS'], [/Linux|X11/, 'Linux'],
];

/**
 * "Firefox on Linux" for a user agent string; an unknown one is shown shortened as it came
 * (it is the client's text: the template escapes it like any other).
 */
export function browserSummary(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  return ua.length > 60 ? `${ua.slice(0, 59)}…` : ua;
}
