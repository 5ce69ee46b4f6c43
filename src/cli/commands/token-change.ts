import { PatdError } from '../../core/errors.js';
import type { User } from '../../core/model.js';
import type { EditTokenInput } from '../../core/tokens/service.js';
import type { TokenView } from '../../core/tokens/view.js';
import { cliCaller, type LocalContext, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION, type Option } from '../types.js';

type Values = Record<string, string | boolean | string[] | undefined>;

const EXPIRES_IN: Option = { type: 'string', value: 'DAYS', description: 'new lifetime in whole days, counted from now' };
const EXPIRES_AT: Option = { type: 'string', value: 'ISO', description: 'new expiry date-time instead, e.g. 2027-01-31T18:00:00Z' };
const ACTS = 'The operator acts for the token\'s owner: the owner\'s org memberships and the orgs\' policies apply; the audit log names the CLI.';

/** The token and its owner; an unknown id is "not found" like on the API. */
async function ownerOf(c: LocalContext, id: string): Promise<User> {
  const t = /^tok_[0-9A-Za-z]{1,40}$/.test(id) ? await c.core.store.r.tokens.byId(id) : null;
  if (!t) throw new PatdError('not_found', `no token ${id.slice(0, 44)}`);
  return c.accounts.byId(t.userId);
}

function tokenId(positionals: string[]): string {
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new CliError('one TOKEN_ID is required (see patd token list)', 2);
  return id;
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

function expiry(values: Values): Pick<EditTokenInput, 'expiresInDays' | 'expiresAt'> {
  const days = values['expires-in'] as string | undefined;
  const at = values['expires-at'] as string | undefined;
  if (days !== undefined && at !== undefined) throw new CliError('give --expires-in or --expires-at, not both', 2);
  if (days !== undefined && !/^\d+$/.test(days)) throw new CliError('--expires-in must be a whole number of days', 2);
  return { ...(days !== undefined ? { expiresInDays: Number(days) } : {}), ...(at !== undefined ? { expiresAt: at } : {}) };
}

function printed(json: boolean, t: TokenView, verb: string): void {
  if (json) print(true, t);
  else process.stdout.write(`${verb} ${t.id} "${t.name}": scopes ${t.scopes.join(',')}, orgs ${t.orgs === '*' ? '*' : t.orgs.join(',')}, expires ${t.expiresAt}\n`);
}

export const tokenEdit: Command = {
  name: 'token edit',
  summary: "Change a token's name, scopes, orgs or expiry (org policies are checked again)",
  usage: 'patd token edit TOKEN_ID [--name N] [--scopes a,b] [--orgs a,b|*] [--expires-in DAYS | --expires-at ISO] [--json]',
  options: {
    name: { type: 'string', value: 'NAME', description: 'new name, 1–120 characters' },
    scopes: { type: 'string', value: 'a,b', description: 'new scopes (replace the old ones)' },
    orgs: { type: 'string', value: 'a,b|*', description: 'new orgs the token is limited to, or * for every org of the owner' },
    'expires-in': EXPIRES_IN,
    'expires-at': EXPIRES_AT,
    json: JSON_OPTION,
  },
  help: `Only what is given changes. A revoked token cannot be changed. ${ACTS}`,
  async run({ values, positionals }) {
    const id = tokenId(positionals);
    const input: EditTokenInput = {
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.scopes === 'string' ? { scopes: list(values.scopes) } : {}),
      ...(typeof values.orgs === 'string' ? { orgs: values.orgs === '*' ? '*' : list(values.orgs) } : {}),
      ...expiry(values),
    };
    if (Object.keys(input).length === 0) throw new CliError('nothing to change: give --name, --scopes, --orgs, --expires-in or --expires-at', 2);
    const t = await withLocal(async (c) => {
      const owner = await ownerOf(c, id);
      return c.tokens.edit(cliCaller(owner), owner, id, input);
    });
    printed(!!values.json, t, 'updated');
    return 0;
  },
};

export const tokenRenew: Command = {
  name: 'token renew',
  summary: "Move a token's expiry later (also for an expired token, not for a revoked one)",
  usage: 'patd token renew TOKEN_ID [--expires-in DAYS | --expires-at ISO] [--json]',
  options: { 'expires-in': { ...EXPIRES_IN, description: `${EXPIRES_IN.description} (default 30)` }, 'expires-at': EXPIRES_AT, json: JSON_OPTION },
  help: `The new expiry must be within the instance and org limits counted from now. The secret stays the same. ${ACTS}`,
  async run({ values, positionals }) {
    const id = tokenId(positionals);
    const e = expiry(values);
    const t = await withLocal(async (c) => {
      const owner = await ownerOf(c, id);
      return c.tokens.edit(cliCaller(owner), owner, id, Object.keys(e).length ? e : { expiresInDays: 30 });
    });
    printed(!!values.json, t, 'renewed');
    return 0;
  },
};

export const tokenRegenerate: Command = {
  name: 'token regenerate',
  summary: 'Give a token a new secret (same id and settings) and print it once',
  usage: 'patd token regenerate TOKEN_ID [--grace SECONDS] [--json]',
  options: {
    grace: { type: 'string', value: 'SECONDS', description: 'how long the old secret keeps working, 0–604800 (default 0: it stops at once)' },
    json: JSON_OPTION,
  },
  help: `The new secret goes to stdout (the only time it is shown); the old one then fails with token_rotated. ${ACTS}`,
  async run({ values, positionals }) {
    const id = tokenId(positionals);
    const grace = values.grace as string | undefined;
    if (grace !== undefined && !/^\d+$/.test(grace)) throw new CliError('--grace must be a whole number of seconds', 2);
    const issued = await withLocal(async (c) => {
      const owner = await ownerOf(c, id);
      return c.tokens.regenerate(cliCaller(owner), owner, id, grace === undefined ? 0 : Number(grace));
    });
    if (values.json) print(true, issued);
    else {
      process.stdout.write(`${issued.secret}\n`);
      process.stderr.write(`regenerated token ${issued.token.id} "${issued.token.name}"${grace && grace !== '0' ? `; the old secret works for ${grace} s more` : '; the old secret no longer works'}; the secret above is shown only once\n`);
    }
    return 0;
  },
};
