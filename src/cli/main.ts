import { type ParseArgsConfig, parseArgs } from 'node:util';
import { StorageError } from '../adapters/storage/errors.js';
import { ConfigError } from '../config.js';
import { PatdError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { EXIT_CANCELLED } from './prompt.js';
import { CliError, type Command, EXIT } from './types.js';

const EXIT_HELP = [
  'Exit status:',
  `  ${EXIT.ok}  success`,
  `  ${EXIT.failed}  the command failed or was refused (not found, invalid value, conflict; patd scan: a token was found)`,
  `  ${EXIT.usage}  usage error: unknown command or option, missing or malformed argument`,
  `  ${EXIT.config}  configuration or database unusable (a PATD_* variable, no database yet, cannot connect)`,
  `  ${EXIT_CANCELLED}  cancelled at a password prompt`,
];

function overview(commands: Command[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    `patd ${VERSION} — self-hosted personal access tokens`, '', 'Usage: patd <command> [options]', '', 'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`), '',
    'Options of every command: --help (-h) shows its options; --json (where listed) prints JSON, errors too.',
    'patd --version (-V) prints the version.', '',
    ...EXIT_HELP, '',
    'Run "patd <command> --help" for a command\'s options. Configuration: environment and ./.env (docs/configuration.md).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => {
    const flag = `--${k}${o.short ? `, -${o.short}` : ''}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.description] as const;
  });
  opts.push(['--help, -h', 'show this help']);
  const w = Math.max(...opts.map(([f]) => f.length));
  return [
    c.summary, '', `Usage: ${c.usage}`, '', 'Options:', ...opts.map(([f, d]) => `  ${f.padEnd(w)}  ${d}`),
    ...(c.help ? ['', c.help] : []),
  ].join('\n');
}

/** Finds the longest command name the arguments start with ("token create" before "token"). */
function find(commands: Command[], argv: string[]): { cmd: Command; rest: string[] } | null {
  for (const n of [2, 1]) {
    const name = argv.slice(0, n).join(' ');
    const cmd = commands.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(n) };
  }
  return null;
}

/** parseArgs' own part of each option (descriptions stay out of it). */
function parseOptions(c: Command): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(c.options ?? {}).map(([k, { description: _d, value: _v, ...o }]) => [k, o]));
}

interface Failure {
  exit: number;
  code: string;
  message: string;
  field?: string;
}

function classify(e: unknown): Failure {
  const err = e as Error & { code?: string };
  if (e instanceof PatdError) return { exit: EXIT.failed, code: e.code, message: e.message, ...(e.extras.field ? { field: e.extras.field } : {}) };
  if (e instanceof ConfigError || e instanceof StorageError) return { exit: EXIT.config, code: 'config', message: err.message };
  if (e instanceof CliError) {
    const code = e.code ?? (e.exitCode === EXIT.usage ? 'usage' : e.exitCode === EXIT.config ? 'config' : 'failed');
    return { exit: e.exitCode, code, message: e.message };
  }
  if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) return { exit: EXIT.usage, code: 'usage', message: err.message };
  return { exit: EXIT.failed, code: 'internal', message: `unexpected error: ${err?.message ?? String(e)}` };
}

/** One line on stderr, or `{"error":{…}}` with --json; returns the exit status. */
function fail(json: boolean, prefix: string, f: Failure, usage?: string): number {
  if (json) process.stderr.write(`${JSON.stringify({ error: { code: f.code, message: f.message, ...(f.field ? { field: f.field } : {}) } })}\n`);
  else process.stderr.write(`${prefix}: ${f.message}${usage && f.exit === EXIT.usage ? `\nusage: ${usage}` : ''}\n`);
  return f.exit;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) argv = ['serve'];
  const json = argv.includes('--json');
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(json ? `${JSON.stringify({ version: VERSION })}\n` : `${VERSION}\n`);
    return EXIT.ok;
  }
  // The command table, without what the commands run: each loads its modules when it runs.
  const { COMMANDS } = await import('./commands/index.js');
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${overview(COMMANDS)}\n`);
    return EXIT.ok;
  }
  const found = find(COMMANDS, argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    const help = argv[1] === '--help' || argv[1] === '-h';
    if (group.length && (argv.length === 1 || help)) {
      process.stdout.write(`Usage:\n${group.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}\n`);
      return help ? EXIT.ok : EXIT.usage;
    }
    const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
    return fail(json, 'patd', { exit: EXIT.usage, code: 'usage', message: `unknown command "${words || argv[0]}"; run "patd --help"` });
  }
  const { cmd, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(cmd)}\n`);
    return EXIT.ok;
  }
  try {
    const parsed = parseArgs({ args: rest, options: parseOptions(cmd), allowPositionals: true, strict: true });
    return (await cmd.run(parsed as never)) ?? EXIT.ok;
  } catch (e) {
    return fail(json, `patd ${cmd.name}`, classify(e), cmd.usage);
  }
}
