import { PatdError } from '../../core/errors.js';
import type { Membership, Org, RequestContext } from '../../core/model.js';
import type { OrgActor } from '../../core/orgs/actor.js';
import { NAME_RE } from '../../core/validate.js';
import { cliCaller, type LocalContext, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

/** The operator at this machine: audit events name the CLI as the actor. */
const CLI_CTX: RequestContext = { actor: { type: 'system', id: null, name: 'cli' }, ip: null, userAgent: 'patd-cli' };
const ROLES = ['member', 'admin', 'owner'];

async function asOperator(c: LocalContext, name: string): Promise<OrgActor> {
  const org = NAME_RE.test(name) ? await c.core.store.r.orgs.byName(name) : null;
  if (!org) throw new PatdError('not_found', `no org "${name.slice(0, 40)}"`);
  const { operatorIn } = await import('../../core/orgs/actor.js');
  return operatorIn(org, CLI_CTX);
}

function words(positionals: string[], names: string[]): string[] {
  if (positionals.length !== names.length) throw new CliError(`expected ${names.join(' ')}`, 2);
  return positionals;
}

export const orgAdd: Command = {
  name: 'org add',
  summary: 'Create an organization owned by a user',
  usage: 'patd org add NAME --owner USERNAME [--display-name "Name"] [--json]',
  options: {
    owner: { type: 'string', value: 'USERNAME', description: 'the user who owns the new org (required)' },
    'display-name': { type: 'string', value: 'NAME', description: 'the name shown for the org (default: NAME)' },
    json: JSON_OPTION,
  },
  help: 'The operator creates orgs whatever PATD_ORG_CREATION says (it limits the API only).',
  async run({ values, positionals }) {
    const name = positionals[0];
    if (!name || typeof values.owner !== 'string') throw new CliError('an org name and --owner are required', 2);
    const org = await withLocal(async (c) => {
      const owner = await c.accounts.byUsername(values.owner as string);
      return c.orgs.create(cliCaller(owner), { name, displayName: values['display-name'] as string | undefined }, { operator: true });
    });
    if (values.json) print(true, org);
    else process.stdout.write(`created org ${org.name} (${org.id}) owned by ${values.owner}\n`);
    return 0;
  },
};

export const orgInvite: Command = {
  name: 'org invite',
  summary: 'Invite a user to an organization; they are mailed and join when they accept (7 days)',
  usage: 'patd org invite ORG USERNAME [--role member|admin|owner] [--json]',
  options: {
    role: { type: 'string', value: 'ROLE', description: 'the role the user gets on accepting: member (default), admin or owner' },
    json: JSON_OPTION,
  },
  help: 'The mail is queued in the database and sent by the running server.',
  async run({ values, positionals }) {
    const [org, username] = words(positionals, ['ORG', 'USERNAME']) as [string, string];
    const role = (values.role as string | undefined) ?? 'member';
    if (!ROLES.includes(role)) throw new CliError('--role must be member, admin or owner', 2);
    const inv = await withLocal(async (c) => c.invitations.invite(await asOperator(c, org), { username, role }));
    if (values.json) print(true, inv);
    else process.stdout.write(`invited ${inv.username} to ${inv.org} as ${inv.role} (${inv.id}); the invitation expires ${inv.expiresAt}\n`);
    return 0;
  },
};

export const orgMembers: Command = {
  name: 'org members',
  summary: "List an organization's members and their roles",
  usage: 'patd org members ORG [--json]',
  options: { json: { type: 'boolean', description: 'print {items, nextCursor} as JSON (errors too, as JSON on stderr)' } },
  async run({ values, positionals }) {
    const [org] = words(positionals, ['ORG']) as [string];
    const all = await withLocal(async (c) => {
      const a = await asOperator(c, org);
      const { listMembers } = await import('../../core/orgs/members.js');
      const out: Membership[] = [];
      let cursor: string | null = null;
      do {
        const page = await listMembers(c.core, a, { limit: 200, cursor });
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    });
    const { memberView } = await import('../../core/orgs/service.js');
    const items = all.map(memberView);
    print(!!values.json, { items, nextCursor: null }, items.map((m) => ({ username: m.username, role: m.role, since: m.since })));
    return 0;
  },
};

export const orgLeave: Command = {
  name: 'org leave',
  summary: "Take a user out of an organization (as if they left); their tokens stop working there at once",
  usage: 'patd org leave ORG --user USERNAME [--json]',
  options: {
    user: { type: 'string', value: 'USERNAME', description: 'the member who leaves (required)' },
    json: JSON_OPTION,
  },
  help: 'The last owner of an org cannot leave: make someone else owner first.',
  async run({ values, positionals }) {
    const [org] = words(positionals, ['ORG']) as [string];
    if (typeof values.user !== 'string') throw new CliError('--user is required', 2);
    const username = values.user;
    await withLocal(async (c) => {
      const { removeMember } = await import('../../core/orgs/members.js');
      await removeMember(c.core, await asOperator(c, org), username);
    });
    if (values.json) print(true, { org, username, removed: true });
    else process.stdout.write(`${username} is no longer a member of ${org}\n`);
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
