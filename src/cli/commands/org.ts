import { cliCaller, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command } from '../types.js';

export const orgAdd: Command = {
  name: 'org add',
  summary: 'Create an organization owned by a user',
  usage: 'patd org add NAME --owner USERNAME [--display-name "Name"] [--json]',
  options: { owner: { type: 'string' }, 'display-name': { type: 'string' }, json: { type: 'boolean' } },
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
