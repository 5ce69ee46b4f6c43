import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { auditCsvHeader, auditCsvRow } from '../../../core/audit/csv.js';
import type { AuditFilters, AuditService } from '../../../core/audit/query.js';
import type { OrgAccess } from '../../../core/orgs/access.js';
import type { Page } from '../../../core/model.js';
import type { AuditEventView } from '../../../core/audit/query.js';
import { isPatdError } from '../../../core/errors.js';
import { auditPage } from '../../pages/org-admin/audit.js';
import { sendPage } from '../../render.js';
import { queryParam } from '../form.js';
import type { WebKit } from '../kit.js';
import { pageAt } from '../paging.js';
import { cursorOf, orgAdmin, routeOpts, sentence } from './kit.js';

const PAGE_SIZE = 50;
const CSV_PAGE = 500;
const FILTERS = ['action', 'actor', 'since', 'until'] as const;

const filtersOf = (q: unknown): Required<AuditFilters> => ({
  action: (queryParam(q, 'action', 64) ?? '').trim(), actor: (queryParam(q, 'actor', 100) ?? '').trim(),
  since: (queryParam(q, 'since', 40) ?? '').trim(), until: (queryParam(q, 'until', 40) ?? '').trim(),
});

/**
 * `/orgs/{org}/audit` (the events, filtered and paged as GET /api/v1/orgs/{org}/audit takes them)
 * and `/orgs/{org}/audit.csv` (every matching event, newest first, in the API's `format=csv`).
 */
export function auditRoutes(app: FastifyInstance, k: WebKit, audit: AuditService): void {
  app.get('/orgs/:org/audit', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const filters = filtersOf(req.query);
    const cursor = cursorOf(req);
    let page: Page<AuditEventView> = { items: [], nextCursor: null };
    let errors = {};
    try {
      page = await pageAt(cursor, (x) => audit.forOrg(c.a, filters, { limit: PAGE_SIZE, cursor: x }));
    } catch (e) {
      const f = isPatdError(e) && e.code === 'validation_failed' ? FILTERS.find((x) => x === e.extras.field) : undefined;
      if (!f || !isPatdError(e)) throw e;
      errors = { [f]: sentence(e.message) };
    }
    return sendPage(reply, Object.keys(errors).length ? 400 : 200, auditPage(c, { org: c.org, events: page.items, filters, errors, nextCursor: page.nextCursor, paged: !!cursor }));
  }));

  app.get('/orgs/:org/audit.csv', routeOpts, (req, reply) => orgAdmin(k, req, reply, async (c) => {
    const filters = filtersOf(req.query);
    // The first page before any byte is sent: a bad filter is an error page, not a broken download.
    const first = await audit.forOrg(c.a, filters, { limit: CSV_PAGE, cursor: null });
    const day = new Date(k.deps.core.clock.now()).toISOString().slice(0, 10);
    return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="patd-audit-${c.org.name}-${day}.csv"`)
      .send(Readable.from(rows(audit, c.a, filters, first)));
  }));
}

async function* rows(audit: AuditService, a: OrgAccess, f: AuditFilters, first: Page<AuditEventView>): AsyncGenerator<string> {
  yield auditCsvHeader();
  let page = first;
  for (;;) {
    yield page.items.map(auditCsvRow).join('');
    if (!page.nextCursor) return;
    page = await audit.forOrg(a, f, { limit: CSV_PAGE, cursor: page.nextCursor });
  }
}
