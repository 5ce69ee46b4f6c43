import type { ResourceClient } from '../../../core/clients/model.js';
import { CsrfField, ErrorSummary, Notice, TextField } from '../../components/form.js';
import { Time } from '../../components/time.js';
import type { PageCtx, Viewer } from '../../context.js';
import { Layout, PageHeader } from '../../layout.js';
import { AdminHeader } from './admin-header.js';

type Ctx = PageCtx & { viewer: Viewer };
export const clientPath = (c: { id: string }) => `/admin/clients/${encodeURIComponent(c.id)}`;

/** `/admin/clients`: the resource servers that may introspect and revoke tokens (as `patd client add|list|remove`). */
export function clientsPage(ctx: Ctx, d: { clients: ResourceClient[]; notice?: string; add?: { name: string; error: string } }) {
  return (
    <Layout ctx={ctx} title="Resource-server clients" section="admin">
      <AdminHeader area="clients" title="Resource-server clients" lead={<>Services that accept patd tokens and check them at <code>/oauth/introspect</code> (and revoke leaked ones at <code>/oauth/revoke</code>) with a client id and secret.</>} />
      {d.notice && <Notice>{d.notice}</Notice>}
      {d.clients.length === 0 ? <div class="empty"><p>No clients are registered.</p></div> : (
        <table class="list">
          <caption class="visually-hidden">Registered clients</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {d.clients.map((c) => (
              <tr key={c.id}>
                <td data-label="Name"><div class="cell"><strong>{c.name}</strong></div></td>
                <td data-label="Client id"><div class="cell"><code>{c.id}</code></div></td>
                <td data-label="Added"><div class="cell"><Time at={c.createdAt} now={ctx.now} />{c.createdBy && <><br /><small>by {c.createdBy}</small></>}</div></td>
                <td data-label="Actions"><div class="cell">
                  <a class="btn btn-small btn-danger" href={`${clientPath(c)}/remove`} data-dialog={`remove-${c.id}`}>Remove<span class="visually-hidden"> {c.name}</span>…</a>
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.clients.map((c) => (
        <dialog key={c.id} id={`remove-${c.id}`} aria-labelledby={`remove-${c.id}-title`}>
          <h2 id={`remove-${c.id}-title`}>Remove “{c.name}”?</h2>
          <p>It can no longer check or revoke tokens: the service stops accepting patd tokens until it gets a new client.</p>
          <RemoveForm csrf={ctx.viewer.csrf} c={c} dialog />
        </dialog>
      ))}
      <section aria-labelledby="add-heading">
        <h2 id="add-heading">Add a client</h2>
        <form method="post" action="/admin/clients" class="card">
          <CsrfField csrf={ctx.viewer.csrf} />
          <ErrorSummary errors={{ name: d.add?.error }} anchors={{ name: 'client-name' }} />
          <TextField id="client-name" name="name" label="Name" value={d.add?.name} required maxLength={80} autocomplete="off" error={d.add?.error} hint="The service, for example “artifact registry”: letters, digits, spaces, dots, dashes or underscores." />
          <div class="actions"><button type="submit" class="btn btn-primary">Add client</button></div>
          <p class="hint">patd shows the client secret once, right after.</p>
        </form>
      </section>
    </Layout>
  );
}

/** The one showing of a new client's secret. */
export function clientSecretPage(ctx: Ctx, c: ResourceClient, secret: string | null) {
  return (
    <Layout ctx={ctx} title={`Client ${c.name}`} section="admin">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/admin/clients">Resource-server clients</a></nav>
      {secret ? (
        <>
          <PageHeader title={`Client “${c.name}” added`} lead="Copy the secret now into the service's configuration. You will not be able to see it again." />
          <dl class="facts"><dt>Client id</dt><dd><code>{c.id}</code></dd></dl>
          <div class="card secret">
            <label for="secret-value">Client secret</label>
            <div class="secret-row">
              <input id="secret-value" class="secret-value" type="text" readOnly value={secret} spellcheck={false} autocomplete="off" />
              <button type="button" class="btn btn-primary" data-copy="secret-value" hidden>Copy</button>
            </div>
            <p class="copy-status" role="status" aria-live="polite" data-copy-status />
          </div>
        </>
      ) : <PageHeader title="The secret is no longer shown" lead="patd shows a client secret once and keeps only a fingerprint of it. Remove the client and add it again for a new secret." />}
      <p class="actions"><a class="btn btn-primary" href="/admin/clients">Done</a></p>
    </Layout>
  );
}

/** The confirmation step before removing a client. */
export function removeClientConfirmPage(ctx: Ctx, c: ResourceClient) {
  return (
    <Layout ctx={ctx} title={`Remove ${c.name}?`} section="admin">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/admin/clients">Resource-server clients</a></nav>
      <div class="danger-zone">
        <PageHeader title={`Remove “${c.name}”?`} lead={<>Client <code>{c.id}</code> can no longer check or revoke tokens. The service stops accepting patd tokens until it gets a new client.</>} />
        <RemoveForm csrf={ctx.viewer.csrf} c={c} />
      </div>
    </Layout>
  );
}

function RemoveForm(p: { csrf: string; c: ResourceClient; dialog?: boolean }) {
  return (
    <form method="post" action={`${clientPath(p.c)}/remove`} class="actions">
      <CsrfField csrf={p.csrf} />
      <button type="submit" class="btn btn-danger">Remove client</button>
      {p.dialog ? <button type="button" class="btn btn-secondary" data-close-dialog>Cancel</button> : <a class="btn btn-secondary" href="/admin/clients">Cancel</a>}
    </form>
  );
}
