import type { TokenStatus } from '../../core/model.js';
import type { TokenView } from '../../core/tokens/view.js';
import { cliCaller, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

const rows = (ts: TokenView[]) => ts.map((t) => ({
  id: t.id, name: t.name, status: t.status, hint: t.hint, scopes: t.scopes.join(','), orgs: t.orgs === '*' ? '*' : t.orgs.join(','), expires: t.expiresAt,
}));

export const tokenCreate: Command = {
  name: 'token create',
  summary: 'Create a token for a user and print its secret once',
  usage: 'patd token create --user U --name N --scopes a,b [--orgs a,b|*] [--expires-in DAYS] [--expires-at ISO] [--json]',
  options: {
    user: { type: 'string', value: 'USERNAME', description: 'the owner of the token (required)' },
    name: { type: 'string', value: 'NAME', description: 'what the token is for, 1–120 characters (required)' },
    scopes: { type: 'string', value: 'a,b', description: 'comma-separated scopes, e.g. code:read,profile:read; Azure DevOps names work too (required)' },
    orgs: { type: 'string', value: 'a,b|*', description: 'orgs the token is limited to, or * for every org of the owner (default *)' },
    'expires-in': { type: 'string', value: 'DAYS', description: 'lifetime in whole days (default 30)' },
    'expires-at': { type: 'string', value: 'ISO', description: 'expiry date-time instead of --expires-in, e.g. 2027-01-31T18:00:00Z' },
    json: JSON_OPTION,
  },
  async run({ values }) {
    for (const k of ['user', 'name', 'scopes']) if (typeof values[k] !== 'string') throw new CliError(`--${k} is required`, 2);
    const days = values['expires-in'] as string | undefined;
    if (days !== undefined && !/^\d+$/.test(days)) throw new CliError('--expires-in must be a whole number of days', 2);
    const orgsArg = (values.orgs as string | undefined) ?? '*';
    const issued = await withLocal(async (c) => {
      const owner = await c.accounts.byUsername(values.user as string);
      return c.tokens.create(cliCaller(owner), owner, {
        name: values.name as string,
        scopes: (values.scopes as string).split(',').map((s) => s.trim()).filter(Boolean),
        orgs: orgsArg === '*' ? '*' : orgsArg.split(',').map((s) => s.trim()).filter(Boolean),
        expiresInDays: days === undefined ? undefined : Number(days),
        expiresAt: values['expires-at'] as string | undefined,
      }, { via: 'cli' });
    });
    if (values.json) print(true, issued);
    else process.stdout.write(`${issued.secret}\n`);
    if (!values.json) process.stderr.write(`created token ${issued.token.id} "${issued.token.name}", expires ${issued.token.expiresAt}; the secret above is shown only once\n`);
    return 0;
  },
};

export const tokenList: Command = {
  name: 'token list',
  summary: "List a user's tokens",
  usage: 'patd token list --user U [--status active|expired|revoked|all] [--json]',
  options: {
    user: { type: 'string', value: 'USERNAME', description: 'whose tokens (required)' },
    status: { type: 'string', value: 'STATUS', description: 'active (default), expired, revoked or all' },
    json: JSON_OPTION,
  },
  async run({ values }) {
    if (typeof values.user !== 'string') throw new CliError('--user is required', 2);
    const status = (values.status as string | undefined) ?? 'active';
    if (!['active', 'expired', 'revoked', 'all'].includes(status)) throw new CliError('--status must be active, expired, revoked or all', 2);
    const items = await withLocal(async (c) => {
      const owner = await c.accounts.byUsername(values.user as string);
      const all: TokenView[] = [];
      let cursor: string | null = null;
      do {
        const page = await c.tokens.list(owner, status as TokenStatus | 'all', { limit: 200, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    });
    print(!!values.json, items, rows(items));
    return 0;
  },
};

export const tokenRevoke: Command = {
  name: 'token revoke',
  summary: 'Revoke a token by id',
  usage: 'patd token revoke TOKEN_ID [--reason TEXT] [--json]',
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why, kept with the token and in the audit log' },
    json: JSON_OPTION,
  },
  async run({ values, positionals }) {
    const id = positionals[0];
    if (!id) throw new CliError('a token id is required', 2);
    await withLocal(async (c) => {
      const t = /^tok_[0-9A-Za-z]+$/.test(id) ? await c.core.store.r.tokens.byId(id) : null;
      const owner = t ? await c.core.store.r.users.byId(t.userId) : null;
      if (!t || !owner) throw new CliError(`no token ${id}`);
      await c.tokens.revokeByOperator(cliCaller(owner), id, (values.reason as string | undefined) ?? 'revoked by an operator (CLI)');
    });
    if (values.json) print(true, { id, revoked: true });
    else process.stdout.write(`revoked ${id}\n`);
    return 0;
  },
};
