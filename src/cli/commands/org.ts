import type { Org } from '../../core/model.js';
import { cliCaller, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

export const orgAdd: Command = {
  name: 'org add',
  summary: 'Create an organization owned by a user',
  usage: 'patd org add NAME --owner USERNAME [--display-name "Name"] [--json]',
  options: {
    owner: { type: 'string', value: 'USERNAME', description: 'the user who owns the new org (required)' },
    'display-name': { type: 'string', value: 'NAME', description: 'a display name (default: the org name)' },
    json: JSON_OPTION,
  },
  async run({ values, positionals }) {
    const name = positionals[0];
    if (!name || typeof values.owner !== 'string') throw new CliError('an org name and --owner are required', 2);
    const org = await withLocal(async (c) => {
      const owner = await c.accounts.byUsername(values.owner as string);
      return c.orgs.create(cliCaller(owner), { name, displayName: values['display-name'] as string | undefined });
    });
    if (values.json) print(true, org);
    else process.stdout.write(`created org ${org.name} (${org.id}) owned by ${values.owner}\n`);
    return 0;
  },
};

export const orgList: Command = {
  name: 'org list',
  summary: 'List every organization of this instance',
  usage: 'patd org list [--json]',
  options: { json: JSON_OPTION },
  async run({ values }) {
    const orgs = await withLocal(async (c) => {
      const all: Org[] = [];
      let cursor: string | null = null;
      do {
        const page = await c.core.store.r.orgs.list({ limit: 500, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all.sort((a, b) => a.name.localeCompare(b.name));
    });
    const views = orgs.map((o) => ({ id: o.id, name: o.name, displayName: o.displayName, createdAt: new Date(o.createdAt).toISOString() }));
    print(!!values.json, views, views.map((o) => ({ name: o.name, 'display name': o.displayName, created: o.createdAt, id: o.id })));
    return 0;
  },
};
