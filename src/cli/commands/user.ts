import { randomSecret } from '../../core/ids.js';
import { SYSTEM_ACTOR } from '../../core/model.js';
import { withLocal } from '../context.js';
import { print } from '../output.js';
import { readNewPassword } from '../prompt.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

const CLI_CTX = { actor: { ...SYSTEM_ACTOR, name: 'cli' }, ip: null, userAgent: 'patd-cli' };
// Loaded when a command runs, with the database (cli/context.ts), not for --help.
const accountViews = () => import('../../core/accounts/service.js');

export const userAdd: Command = {
  name: 'user add',
  summary: 'Create a local user',
  usage: 'patd user add USERNAME --email EMAIL [--name "Display Name"] [--ask-password | --generate-password | --password P] [--admin] [--json]',
  options: {
    email: { type: 'string', value: 'EMAIL', description: 'where notifications go (required)' },
    name: { type: 'string', value: 'NAME', description: 'display name (default: the username)' },
    password: { type: 'string', value: 'P', description: 'initial password (visible to other users of this machine: prefer --generate-password or patd user passwd)' },
    'generate-password': { type: 'boolean', description: 'generate a password and print it once' },
    'ask-password': { type: 'boolean', description: 'read the password from a prompt (not echoed) or from stdin when piped' },
    admin: { type: 'boolean', description: 'make the user an instance admin' },
    json: JSON_OPTION,
  },
  async run({ values, positionals }) {
    const username = positionals[0];
    if (!username || typeof values.email !== 'string') throw new CliError('a username and --email are required', 2);
    if ([values.password !== undefined, values['generate-password'], values['ask-password']].filter(Boolean).length > 1) {
      throw new CliError('give only one of --ask-password, --generate-password and --password', 2);
    }
    const u = await withLocal(async (c) => {
      const password = values['generate-password'] ? randomSecret(18)
        : values['ask-password'] ? await readNewPassword(`Password for ${username}: `)
        : (values.password as string | undefined);
      const created = await c.accounts.create(CLI_CTX, {
        username, email: values.email as string, displayName: values.name as string | undefined, password, admin: !!values.admin,
      });
      return { ...created, password };
    });
    const password = u.password;
    const { userView } = await accountViews();
    const out = { ...userView(u), ...(values['generate-password'] ? { password } : {}) };
    if (values.json) print(true, out);
    else process.stdout.write(`created user ${u.username} (${u.id})${values['generate-password'] ? `\npassword: ${password}` : ''}\n`);
    return 0;
  },
};

export const userList: Command = {
  name: 'user list',
  summary: 'List users',
  usage: 'patd user list [--json]',
  options: { json: JSON_OPTION },
  async run({ values }) {
    const users = await withLocal(async (c) => {
      const all = [];
      let cursor: string | null = null;
      do {
        const page = await c.accounts.list({ limit: 200, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    });
    const { userView } = await accountViews();
    const rows = users.map(userView);
    print(!!values.json, rows, rows.map((u) => ({ username: u.username, email: u.email, admin: u.admin, disabled: u.disabled, id: u.id })));
    return 0;
  },
};

export const userDisable: Command = {
  name: 'user disable',
  summary: 'Disable a user: their sessions end and their tokens stop working at once',
  usage: 'patd user disable USERNAME [--enable] [--json]',
  options: {
    enable: { type: 'boolean', description: 'enable the user again instead (their tokens work again)' },
    json: JSON_OPTION,
  },
  async run({ values, positionals }) {
    const username = positionals[0];
    if (!username) throw new CliError('a username is required', 2);
    const u = await withLocal(async (c) => {
      const target = await c.accounts.byUsername(username);
      return c.accounts.adminUpdate(CLI_CTX, null, target.id, { disabled: !values.enable });
    });
    if (values.json) print(true, (await accountViews()).userView(u));
    else process.stdout.write(`${u.disabled ? 'disabled' : 'enabled'} user ${u.username}\n`);
    return 0;
  },
};

export const userPasswd: Command = {
  name: 'user passwd',
  summary: "Set a user's password; every session of the user ends",
  usage: 'patd user passwd USERNAME [--json]',
  options: { json: JSON_OPTION },
  help: [
    'The new password is asked twice at a prompt that does not echo it, or, when stdin is not a',
    'terminal, read from its first line:  printf %s "$NEW_PASSWORD" | patd user passwd alice',
    'It is never taken from the command line, where other users of the machine can read it.',
    "The user's tokens keep working; the change is audited as user.password_reset (without the password).",
  ].join('\n'),
  async run({ values, positionals }) {
    const username = positionals[0];
    if (!username || positionals.length > 1) throw new CliError('one USERNAME is required', 2);
    const u = await withLocal(async (c) => {
      // The user is looked up first: a typo fails before anyone types a password.
      const target = await c.accounts.byUsername(username);
      const password = await readNewPassword(`New password for ${target.username}: `);
      const { resetPassword } = await import('../../core/accounts/reset-password.js');
      return resetPassword(c.core, CLI_CTX, null, target.id, password);
    });
    if (values.json) print(true, { ...(await accountViews()).userView(u), sessionsEnded: true });
    else process.stdout.write(`set the password of ${u.username}; their sessions have ended\n`);
    return 0;
  },
};
