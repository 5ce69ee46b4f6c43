import type { Kysely } from 'kysely';

// Requests per token per UTC day and the distinct client IPs seen that day (a JSON array,
// at most TOKEN_USAGE_MAX_IPS of them), for the token page's usage chart and
// GET /api/v1/tokens/{id}/usage. Written in batches with the last-used time, never per request.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('token_usage')
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('ips', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_usage_pk', ['token_id', 'day'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_usage').execute();
}
