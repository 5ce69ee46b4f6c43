import type { ComponentChildren } from 'preact';
import { describedBy, FieldError, Hint } from './form.js';

/** A labelled multi-line field (e.g. one entry per line) with its hint and error tied to it. */
export function TextArea(p: { id: string; name: string; label: string; value: string; hint?: ComponentChildren; error?: string; rows?: number; maxLength?: number }) {
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      <Hint id={p.id}>{p.hint}</Hint>
      <textarea id={p.id} name={p.name} rows={p.rows ?? 4} maxLength={p.maxLength} spellcheck={false}
        aria-describedby={describedBy(p.id, p.hint, p.error)} aria-invalid={p.error ? 'true' : undefined}>{p.value}</textarea>
      <FieldError id={p.id} error={p.error} />
    </div>
  );
}

/** A checkbox with its label beside it, a hint under the label and an error tied to it. */
export function CheckboxField(p: { id: string; name: string; label: ComponentChildren; checked: boolean; hint?: ComponentChildren; error?: string }) {
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label class="choice" for={p.id}>
        <input type="checkbox" id={p.id} name={p.name} value="on" checked={p.checked}
          aria-describedby={describedBy(p.id, p.hint, p.error)} aria-invalid={p.error ? 'true' : undefined} />
        <span>{p.label}{p.hint && <span id={`${p.id}-hint`} class="hint">{p.hint}</span>}</span>
      </label>
      <FieldError id={p.id} error={p.error} />
    </div>
  );
}

/** A labelled whole-number field (days); empty means "no limit" as the hint says. */
export function NumberField(p: { id: string; name: string; label: string; value: string; hint?: ComponentChildren; error?: string; suffix?: string }) {
  return (
    <div class={p.error ? 'field invalid' : 'field'}>
      <label for={p.id}>{p.label}</label>
      <Hint id={p.id}>{p.hint}</Hint>
      <span class="with-suffix">
        <input type="text" inputMode="numeric" pattern="[0-9]*" id={p.id} name={p.name} value={p.value} maxLength={5} size={6} autocomplete="off"
          aria-describedby={describedBy(p.id, p.hint, p.error)} aria-invalid={p.error ? 'true' : undefined} />
        {p.suffix && <span aria-hidden="true">{p.suffix}</span>}
      </span>
      <FieldError id={p.id} error={p.error} />
    </div>
  );
}
