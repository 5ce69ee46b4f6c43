import { operatorCaller, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

const need = (positionals: string[], n: number, what: string) => {
  if (positionals.length < n) throw new CliError(`${what} required`, 2);
};

export const serviceAccountAdd: Command = {
  name: 'service-account add',
  summary: "Create an org's service account (it cannot sign in; its tokens are limited to the org)",
  usage: 'patd service-account add ORG USERNAME [--display-name "Name"] [--json]',
  options: {
    'display-name': { type: 'string', value: 'NAME', description: 'the name shown for the service account' },
    json: JSON_OPTION,
  },
  help: 'Create its tokens with: patd token create --user USERNAME --name N --scopes a,b (they are limited to ORG).',
  async run({ values, positionals }) {
    need(positionals, 2, 'ORG and USERNAME are');
    const [org = '', username = ''] = positionals;
    const v = await withLocal(async (c) => {
      const op = operatorCaller();
      return c.serviceAccounts.create(op, await c.orgs.access(op, org, 'admin'), { username, displayName: values['display-name'] as string | undefined });
    });
    if (values.json) print(true, v);
    else process.stdout.write(`created service account ${v.username} (${v.id}) in org ${v.org}\n`);
    return 0;
  },
};

export const serviceAccountList: Command = {
  name: 'service-account list',
  summary: "List an org's service accounts",
  usage: 'patd service-account list ORG [--json]',
  options: { json: JSON_OPTION },
  async run({ values, positionals }) {
    need(positionals, 1, 'ORG is');
    const items = await withLocal(async (c) => {
      const op = operatorCaller();
      return c.serviceAccounts.list(op, await c.orgs.access(op, positionals[0] ?? '', 'admin'));
    });
    print(!!values.json, items, items.map((a) => ({ username: a.username, displayName: a.displayName, disabled: a.disabled, created: a.createdAt })));
    return 0;
  },
};

export const serviceAccountRemove: Command = {
  name: 'service-account remove',
  summary: 'Delete a service account and revoke all its tokens',
  usage: 'patd service-account remove ORG USERNAME [--json]',
  options: { json: JSON_OPTION },
  async run({ values, positionals }) {
    need(positionals, 2, 'ORG and USERNAME are');
    const [org = '', username = ''] = positionals;
    const r = await withLocal(async (c) => {
      const op = operatorCaller();
      return c.serviceAccounts.delete(op, await c.orgs.access(op, org, 'admin'), username);
    });
    if (values.json) print(true, { username, deleted: true, revokedTokens: r.revoked });
    else process.stdout.write(`deleted service account ${username}; revoked ${r.revoked} token(s)\n`);
    return 0;
  },
};
