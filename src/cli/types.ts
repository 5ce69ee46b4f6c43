import type { ParseArgsConfig } from 'node:util';

type ParseOption = NonNullable<ParseArgsConfig['options']>[string];

/** A command-line option: what parseArgs needs, plus what `--help` prints. */
export type Option = ParseOption & {
  /** One line for --help (every option has one; a test checks). */
  description: string;
  /** Placeholder shown after a string option in --help, e.g. USERNAME (default VALUE). */
  value?: string;
};

export type Options = Record<string, Option>;

/** `--json`, the same everywhere: output and errors as JSON. */
export const JSON_OPTION: Option = { type: 'boolean', description: 'print the result as JSON (errors too, as JSON on stderr)' };

export interface Command {
  /** e.g. "token create" */
  name: string;
  summary: string;
  usage: string;
  options?: Options;
  /** Extra lines for --help. */
  help?: string;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number | undefined>;
}

/** Exit statuses of bin/patd (printed by `patd --help`, listed in docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The command ran and failed or was refused (not found, invalid value, conflict, server error). */
  failed: 1,
  /** Wrong arguments: unknown command or option, missing or malformed value. */
  usage: 2,
  /** The configuration or the database cannot be used (bad variable, no database, cannot connect). */
  config: 3,
} as const;
// 130 (cancelled at a prompt) is EXIT_CANCELLED in prompt.ts.

/** An error the CLI prints as one line (exit 1), or a usage error (exit 2); `code` names it in --json errors. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed, readonly code?: string) {
    super(message);
  }
}
