import type { DeviceRequestView } from '../../core/device/service.js';
import { Alert, CsrfField, Hidden, TextField } from '../components/form.js';
import type { PageCtx } from '../context.js';
import { Layout, PageHeader } from '../layout.js';

/** The pages of /device (RFC 8628): enter the code, see what a device asks for, approve or deny. */

export function enterCodePage(ctx: PageCtx, error?: string) {
  return (
    <Layout ctx={ctx} title="Connect a device">
      <div class="narrow">
        <PageHeader title="Connect a device" lead="Enter the code shown by your device or program." />
        <form method="get" action="/device" class="card">
          <TextField id="user_code" name="user_code" label="Code" hint="Eight letters, such as WDJB-MJHT." error={error} autocomplete="off" required maxLength={20} />
          <div class="actions"><button type="submit" class="btn btn-primary">Continue</button></div>
        </form>
      </div>
    </Layout>
  );
}

export function approvePage(ctx: PageCtx & { viewer: NonNullable<PageCtx['viewer']> }, v: DeviceRequestView) {
  return (
    <Layout ctx={ctx} title="Approve access?">
      <div class="narrow">
        <PageHeader title="Approve access?" lead="Check that this code matches the one on your device:" />
        <p class="code">{v.userCode}</p>
        <dl class="facts">
          <dt>Client</dt><dd>{v.clientName}</dd>
          <dt>Requested from</dt>
          <dd>{v.requestedFrom.ip ?? 'an unknown address'}{v.requestedFrom.userAgent ? <> (<code>{v.requestedFrom.userAgent.slice(0, 120)}</code>)</> : null}. If you did not start this on a device of yours, deny it.</dd>
          <dt>Token name</dt><dd>{v.tokenName}</dd>
          <dt>Scopes</dt>
          <dd><ul class="plain">{v.scopes.map((s) => <li key={s.id}><code>{s.id}</code>{s.description ? ` — ${s.description}` : ''}</li>)}</ul></dd>
          <dt>Organizations</dt>
          <dd>{v.orgs === '*' ? 'all your organizations' : <span class="tags">{v.orgs.map((o) => <code key={o}>{o}</code>)}</span>}</dd>
          <dt>Expires</dt><dd>{v.expiresInDays} days after approval</dd>
        </dl>
        <p>Approving creates a personal access token with these rights for the client. You can revoke it at any time.</p>
        <form method="post" action="/device" class="actions">
          <CsrfField csrf={ctx.viewer.csrf} />
          <Hidden name="user_code" value={v.userCode} />
          <button type="submit" name="action" value="approve" class="btn btn-primary">Approve</button>
          <button type="submit" name="action" value="deny" class="btn btn-secondary">Deny</button>
        </form>
      </div>
    </Layout>
  );
}

export function resultPage(ctx: PageCtx, status: 'approved' | 'denied') {
  const [title, text] = status === 'approved'
    ? ['Device approved', 'The device or program now receives its token. You can close this page and return to it.']
    : ['Request denied', 'No token was created. You can close this page.'];
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeader title={title} lead={text} />
      <p><a href="/tokens">Your personal access tokens</a></p>
    </Layout>
  );
}

export function deviceErrorPage(ctx: PageCtx, message: string) {
  return (
    <Layout ctx={ctx} title="Something went wrong">
      <PageHeader title="Something went wrong" />
      <Alert>{message}</Alert>
      <p><a href="/device">Enter a code</a></p>
    </Layout>
  );
}
