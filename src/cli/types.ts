import type { ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

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

/** An error the CLI prints as one line (exit 1), or a usage error (exit 2). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
