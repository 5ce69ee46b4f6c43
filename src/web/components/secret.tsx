/** Ready-made commands for a new secret (shown once). */
export interface Snippet {
  label: string;
  text: string;
  note?: string;
}

/**
 * A secret shown once, with a Copy button (the script adds it: copying needs JavaScript; the
 * text itself can always be selected) and snippets that use it.
 */
export function SecretReveal(p: { secret: string; snippets: Snippet[]; label?: string; hint?: string }) {
  return (
    <div class="secret">
      <label for="secret-value">{p.label ?? 'Your new token'}</label>
      <div class="secret-row">
        <input id="secret-value" class="secret-value" type="text" readOnly value={p.secret} spellcheck={false} autocomplete="off" aria-describedby="secret-hint" />
        <button type="button" class="btn btn-primary" data-copy="secret-value" hidden>Copy</button>
      </div>
      <p id="secret-hint" class="hint">{p.hint ?? 'Copy it now and keep it somewhere safe, such as a password manager. It will not be shown again.'}</p>
      <p class="copy-status" role="status" aria-live="polite" data-copy-status />
      {p.snippets.length > 0 && <h2>Use it</h2>}
      {p.snippets.map((s, i) => (
        <div class="snippet" key={s.label}>
          <h3 id={`snippet-${i}-label`}>{s.label}</h3>
          {s.note && <p class="hint">{s.note}</p>}
          <div class="snippet-row">
            <pre id={`snippet-${i}`}><code>{s.text}</code></pre>
            <button type="button" class="btn btn-small btn-secondary" data-copy={`snippet-${i}`} hidden>Copy</button>
          </div>
        </div>
      ))}
    </div>
  );
}
