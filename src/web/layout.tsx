import type { ComponentChildren } from 'preact';
import { assets } from './assets.js';
import { CsrfField } from './components/form.js';
import type { PageCtx } from './context.js';
import { NAV, type Section } from './nav.js';

/**
 * Every page: a skip link, the header with the navigation and the signed-in user's name and
 * "Sign out" (a POST with the CSRF token), the main landmark, the one stylesheet and the one
 * script (which only enhances: every page works without it).
 */
export function Layout(p: { ctx: PageCtx; title: string; section?: Section; children: ComponentChildren }) {
  const a = assets();
  const v = p.ctx.viewer;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · patd`}</title>
        <link rel="stylesheet" href={a.css.url} />
        <link rel="icon" type="image/svg+xml" href={a.icon.url} />
        <script type="module" src={a.js.url} />
      </head>
      <body data-now={new Date(p.ctx.now).toISOString()}>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="/">patd</a>
            {v && (
              <nav class="site-nav" aria-label="Main">
                <ul>
                  {NAV.filter((n) => n.shows(v.user)).map((n) => (
                    <li key={n.href}>
                      <a href={n.href} aria-current={p.section === n.section ? 'page' : undefined}>{n.label}</a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {v && (
              <div class="account">
                <span class="who">Signed in as <strong title={v.user.displayName}>{v.user.username}</strong></span>
                <form method="post" action="/signout">
                  <CsrfField csrf={v.csrf} />
                  <button type="submit" class="btn btn-small btn-secondary">Sign out</button>
                </form>
              </div>
            )}
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {p.children}
        </main>
        <footer class="site">
          <p>patd · personal access tokens</p>
        </footer>
      </body>
    </html>
  );
}

/** The page's one h1, with an optional lead paragraph and actions beside it. */
export function PageHeader(p: { title: ComponentChildren; lead?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="page-header">
      <div>
        <h1>{p.title}</h1>
        {p.lead && <p class="lead">{p.lead}</p>}
      </div>
      {p.actions && <div class="page-actions">{p.actions}</div>}
    </div>
  );
}
