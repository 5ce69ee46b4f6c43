import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { PatdError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { CliError, type Command } from './types.js';

function overview(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'patd — self-hosted personal access tokens', '', 'Usage: patd <command> [options]', '', 'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`), '',
    'Run "patd <command> --help" for a command\'s options. Configuration: environment and ./.env (docs/configuration.md).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => `  --${k}${o.type === 'string' ? ' VALUE' : ''}`);
  return [`${c.summary}`, '', `Usage: ${c.usage}`, ...(opts.length ? ['', 'Options:', ...opts, '  --help'] : []), ...(c.help ? ['', c.help] : [])].join('\n');
}

/** Finds the longest command name the arguments start with ("token create" before "token"). */
function find(argv: string[]): { cmd: Command; rest: string[] } | null {
  for (const n of [2, 1]) {
    const name = argv.slice(0, n).join(' ');
    const cmd = COMMANDS.find((c) => c.name === name);
    if (cmd) return { cmd, rest: argv.slice(n) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) argv = ['serve'];
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${overview()}\n`);
    return 0;
  }
  const found = find(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length && (argv.length === 1 || argv[1] === '--help')) {
      process.stdout.write(`Usage:\n${group.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}\n`);
      return argv[1] === '--help' ? 0 : 2;
    }
    process.stderr.write(`patd: unknown command "${argv.slice(0, 2).join(' ')}"; run "patd --help"\n`);
    return 2;
  }
  const { cmd, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${commandHelp(cmd)}\n`);
    return 0;
  }
  try {
    const parsed = parseArgs({ args: rest, options: cmd.options ?? {}, allowPositionals: true, strict: true });
    return (await cmd.run(parsed as never)) ?? 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    const usage = err.code?.startsWith('ERR_PARSE_ARGS') || (e instanceof CliError && e.exitCode === 2);
    const msg = e instanceof PatdError || e instanceof ConfigError || e instanceof CliError || usage ? err.message : `unexpected error: ${err.message}`;
    process.stderr.write(`patd ${cmd.name}: ${msg}${usage ? `\nusage: ${cmd.usage}` : ''}\n`);
    return e instanceof CliError ? e.exitCode : usage ? 2 : 1;
  }
}
