import type { ComponentChildren } from 'preact';
import type { OrgView } from '../../../core/orgs/service.js';
import { CsrfField, Hidden } from '../../components/form.js';
import { type Crumb, OrgLayout, type OrgPageCtx } from './layout.js';

export interface Confirmation {
  /** Where the confirmed form posts. */
  action: string;
  /** The button that does it ("Revoke token"). */
  confirm: string;
  title: ComponentChildren;
  text: ComponentChildren;
  /** Where "Cancel" leads on the confirmation page. */
  cancel: string;
  hidden?: Record<string, string>;
}

function ConfirmForm(p: { c: Confirmation; csrf: string; dialog?: boolean }) {
  return (
    <form method="post" action={p.c.action} class="actions">
      <CsrfField csrf={p.csrf} />
      {Object.entries(p.c.hidden ?? {}).map(([k, v]) => <Hidden key={k} name={k} value={v} />)}
      <button type="submit" class="btn btn-danger">{p.c.confirm}</button>
      {p.dialog ? <button type="button" class="btn btn-secondary" data-close-dialog>Cancel</button> : <a class="btn btn-secondary" href={p.c.cancel}>Cancel</a>}
    </form>
  );
}

/**
 * A dangerous action: a link to its confirmation page, which the page script opens as a
 * <dialog> with the same form instead (without JavaScript the page itself asks). `name` is the
 * accessible name where the visible label is short: "Revoke…" in a row reads "Revoke laptop git…".
 */
export function DangerAction(p: { id: string; href: string; label: ComponentChildren; name?: string; c: Confirmation; csrf: string; small?: boolean }) {
  return (
    <>
      <a class={p.small ? 'btn btn-small btn-danger' : 'btn btn-danger'} href={p.href} data-dialog={p.id} aria-label={p.name}>{p.label}</a>
      <dialog id={p.id} aria-labelledby={`${p.id}-title`}>
        <h2 id={`${p.id}-title`}>{p.c.title}</h2>
        <p>{p.c.text}</p>
        <ConfirmForm c={p.c} csrf={p.csrf} dialog />
      </dialog>
    </>
  );
}

/** The confirmation step on a page of its own (no JavaScript, or a link opened directly). */
export function confirmPage(ctx: OrgPageCtx, org: OrgView, o: { section: string; crumbs?: Crumb[]; title: string; c: Confirmation }) {
  return (
    <OrgLayout ctx={ctx} org={org} section={o.section} crumbs={o.crumbs} title={o.title} heading={o.c.title}>
      <div class="danger-zone">
        <p>{o.c.text}</p>
        <ConfirmForm c={o.c} csrf={ctx.viewer.csrf} />
      </div>
    </OrgLayout>
  );
}
