import { isWellFormed, tokenHint } from './format.js';

/** A token found in text: where, and its hint (never the secret). */
export interface Finding {
  line: number;
  column: number;
  hint: string;
}

// Like ANY_TOKEN_RE, but a token may follow `_` (e.g. `MY_TOKEN_patd_…`): only a letter or
// digit before it rules it out.
const CANDIDATE_RE = /(?<![0-9A-Za-z])([a-z][a-z0-9]{1,14}_)([0-9A-Za-z]{49})(?![0-9A-Za-z])/g;

/**
 * Finds patd tokens of any valid prefix in `text` by shape and CRC32 checksum (no storage:
 * what `patd scan` and a pre-commit hook use). A string of the right shape with a wrong
 * checksum is not a token and is not reported.
 */
export function findTokens(text: string): Finding[] {
  const out: Finding[] = [];
  let lineStarts: number[] | null = null;
  for (const m of text.matchAll(CANDIDATE_RE)) {
    const [token, prefix] = m as unknown as [string, string];
    if (!isWellFormed(token, prefix)) continue;
    lineStarts ??= starts(text);
    const at = m.index ?? 0;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    out.push({ line: lo + 1, column: at - (lineStarts[lo] ?? 0) + 1, hint: tokenHint(token, prefix) });
  }
  return out;
}

function starts(text: string): number[] {
  const s = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
}
