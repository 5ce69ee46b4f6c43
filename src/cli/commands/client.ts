import type { RequestContext } from '../../core/model.js';
import { type LocalContext, withLocal } from '../context.js';
import { print } from '../output.js';
import { CliError, type Command, JSON_OPTION } from '../types.js';

const CLI_CTX: RequestContext = { actor: { type: 'system', id: null, name: 'cli' }, ip: null, userAgent: 'patd-cli' };
/** Loaded when a command runs, with the database (cli/context.ts), not for --help. */
const service = async (c: LocalContext) => new (await import('../../core/clients/service.js')).ClientService(c.core, 0);

export const clientAdd: Command = {
  name: 'client add',
  summary: 'Register a resource server (introspection/revocation client); prints its secret once',
  usage: 'patd client add NAME [--json]',
  options: { json: JSON_OPTION },
  help: 'The service then calls POST /oauth/introspect and /oauth/revoke with the client id and secret (HTTP Basic or form fields).',
  async run({ values, positionals }) {
    const name = positionals[0];
    if (!name || positionals.length > 1) throw new CliError('one client NAME is required (quote names with spaces)', 2);
    const { client, secret } = await withLocal(async (c) => (await service(c)).add(CLI_CTX, name));
    if (values.json) print(true, { ...client, secret });
    else {
      process.stdout.write(`client_id=${client.id}\nclient_secret=${secret}\n`);
      process.stderr.write(`registered client "${client.name}"; the secret above is shown only once\n`);
    }
    return 0;
  },
};

export const clientList: Command = {
  name: 'client list',
  summary: 'List registered resource servers',
  usage: 'patd client list [--json]',
  options: { json: JSON_OPTION },
  async run({ values }) {
    const items = await withLocal(async (c) => (await service(c)).list());
    print(!!values.json, items, items.map((c) => ({ id: c.id, name: c.name, created: new Date(c.createdAt).toISOString(), by: c.createdBy })));
    return 0;
  },
};

export const clientRemove: Command = {
  name: 'client remove',
  summary: 'Remove a resource server; its credentials stop working',
  usage: 'patd client remove CLIENT_ID [--json]',
  options: { json: JSON_OPTION },
  help: 'Running patd instances refuse the client at once when removed through them, and within PATD_AUTH_CACHE_SECONDS otherwise.',
  async run({ values, positionals }) {
    const id = positionals[0];
    if (!id) throw new CliError('a CLIENT_ID is required', 2);
    const removed = await withLocal(async (c) => (await service(c)).remove(CLI_CTX, id));
    if (values.json) print(true, { ...removed, removed: true });
    else process.stdout.write(`removed client ${removed.id} "${removed.name}"\n`);
    return 0;
  },
};
