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
