import type { ComponentChildren } from 'preact';

/** Messages for the fields of a form that was refused, by field name. */
export type FieldErrors = Partial<Record<string, string>>;

export const CsrfField = (p: { csrf: string }) => <input type="hidden" name="csrf_token" value={p.csrf} />;

export const Hidden = (p: { name: string; value: string }) => <input type="hidden" name={p.name} value={p.value} />;

/** The ids a field's description points at: its hint and its error, when present. */
export const describedBy = (id: string, hint?: unknown, error?: unknown) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export const FieldError = (p: { id: string; error?: string }) =>
  p.error ? <p id={`${p.id}-error`} class="field-error"><span class="visually-hidden">Error: </span>{p.error}</p> : null;

export const Hint = (p: { id: string; children?: ComponentChildren }) => (p.children ? <p id={`${p.id}-hint`} class="hint">{p.children}</p> : null);

/** A labelled input with its hint and error tied to it (aria-describedby, aria-invalid). */
export function TextField(p: {
  id: string; name: string; label: string; value?: string; hint?: ComponentChildren; error?: string; type?: 'text' | 'password' | 'search' | 'date' | 'email';
  required?: boolean; autocomplete?: string; maxLength?: number; min?: string; max?: string;
}) {
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      <Hint id={p.id}>{p.hint}</Hint>
      <input
        type={(p.type ?? 'text') as 'text'} id={p.id} name={p.name} value={p.value ?? ''} required={p.required} autocomplete={p.autocomplete}
        maxLength={p.maxLength} min={p.min} max={p.max} aria-describedby={describedBy(p.id, p.hint, p.error)} aria-invalid={p.error ? 'true' : undefined}
      />
      <FieldError id={p.id} error={p.error} />
    </div>
  );
}

/** A group of choices with a legend; the hint and error are tied to the group. */
export function Fieldset(p: { id: string; legend: string; hint?: ComponentChildren; error?: string; children: ComponentChildren; class?: string }) {
  return (
    <fieldset id={p.id} class={[p.class, p.error ? 'invalid' : ''].filter(Boolean).join(' ') || undefined} aria-describedby={describedBy(p.id, p.hint, p.error)}>
      <legend>{p.legend}</legend>
      <Hint id={p.id}>{p.hint}</Hint>
      <FieldError id={p.id} error={p.error} />
      {p.children}
    </fieldset>
  );
}

/** The list of what is wrong at the top of a refused form, each linking to its field. */
export function ErrorSummary(p: { errors: FieldErrors; anchors: Record<string, string> }) {
  const entries = Object.entries(p.errors).filter((e): e is [string, string] => !!e[1]);
  if (entries.length === 0) return null;
  return (
    <div class="alert" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {entries.map(([field, msg]) => (
          <li key={field}>{p.anchors[field] ? <a href={`#${p.anchors[field]}`}>{msg}</a> : msg}</li>
        ))}
      </ul>
    </div>
  );
}

export const Alert = (p: { children: ComponentChildren }) => <div class="alert" role="alert">{p.children}</div>;

export const Notice = (p: { children: ComponentChildren }) => <div class="notice" role="status">{p.children}</div>;
