import { createRequire } from 'node:module';
import type * as K from 'kysely';

/**
 * The values patd takes from Kysely, from its CommonJS build (types still come from 'kysely').
 * Its ESM build is some 260 files that Node's ESM loader reads one at a time: on Node 20 that
 * costs every CLI command about twice the start-up of the same code through require().
 * Nothing in src/ imports Kysely's values from anywhere else, so one copy of its classes is
 * loaded and `instanceof PostgresAdapter` holds.
 */
const kysely: typeof K = createRequire(import.meta.url)('kysely');

export const { CompiledQuery, Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql } = kysely;
export type Kysely<DB> = K.Kysely<DB>;
