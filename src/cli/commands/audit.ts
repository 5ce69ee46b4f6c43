import { withLocal } from '../context.js';
import { CliError, type Command } from '../types.js';

export const auditExport: Command = {
  name: 'audit export',
  summary: 'Write audit events as JSON lines to stdout, oldest first',
  usage: 'patd audit export [--org ORG] [--since ISO] [--until ISO] [--action ACTION] [--json]',
  options: {
    org: { type: 'string', value: 'ORG', description: "only the events of this org's audit log" },
    since: { type: 'string', value: 'ISO', description: 'events at or after this date or date-time' },
    until: { type: 'string', value: 'ISO', description: 'events before this date or date-time' },
    action: { type: 'string', value: 'ACTION', description: 'an exact action (token.revoked) or a prefix (token.*)' },
    json: { type: 'boolean', description: 'errors as JSON on stderr too (the events are JSON lines either way)' },
  },
  help: '--since is inclusive, --until exclusive (ISO 8601 dates or date-times). --action takes an exact action or a prefix such as token.*.',
  async run({ values }) {
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    await withLocal(async (c) => {
      let orgId: string | undefined;
      const org = str('org');
      if (org) {
        const o = await c.core.store.r.orgs.byName(org);
        if (!o) throw new CliError(`no org "${org}"`);
        orgId = o.id;
      }
      const { AuditService } = await import('../../core/audit/query.js');
      for await (const e of new AuditService(c.core).export({ orgId, since: str('since'), until: str('until'), action: str('action') })) {
        if (!process.stdout.write(`${JSON.stringify(e)}\n`)) await new Promise((r) => process.stdout.once('drain', r));
      }
    });
    return 0;
  },
};
