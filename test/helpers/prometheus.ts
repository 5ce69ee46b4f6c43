/**
 * The value of one sample in the Prometheus text format, e.g.
 * sample(text, 'patd_token_checks_total', { outcome: 'ok' }); `missing` when no sample has those labels.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}, missing = Number.NaN): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return missing;
}
