import { dirname } from 'node:path';
import { argon2Hasher } from './adapters/password.js';
import type { Db, DbLog } from './adapters/storage/db.js';
import { migrateChecked, openChecked } from './adapters/storage/open.js';
import { kyselyStore } from './adapters/storage/store.js';
import { type Config, ensureDataDir } from './config.js';
import { EventRecorder } from './core/audit/record.js';
import { type Clock, systemClock } from './core/clock.js';
import { type CoreDeps, DEFAULT_CORE_SETTINGS } from './core/deps.js';
import { invitationSink } from './core/notifications/invitation-sink.js';
import { notificationSink } from './core/notifications/sink.js';
import type { PasswordHasher, Store } from './core/ports.js';
import { ScopeCatalog } from './core/scopes/catalog.js';
import { TokenVerifier } from './core/tokens/verify.js';

/**
 * The storage and core half of the composition root (server.ts builds the app on top of it).
 * It imports no HTTP, page, OIDC or mail adapter, so that CLI commands working on the database
 * load only this: the whole server costs a second of start-up.
 */

export interface CoreOverrides {
  clock?: Clock;
  hasher?: PasswordHasher;
  /** Extra settings for tests (e.g. sign-in limits). */
  settings?: Partial<CoreDeps['settings']>;
}

/** Builds the core services over an opened store (shared by the server and the CLI). */
export function buildCore(config: Readonly<Config>, store: Store, o: CoreOverrides = {}): CoreDeps {
  const clock = o.clock ?? systemClock;
  const catalog = new ScopeCatalog(config.extraScopes);
  const settings = { ...DEFAULT_CORE_SETTINGS, tokenPrefix: config.tokenPrefix, maxTokenDays: config.maxTokenDays, orgCreation: config.orgCreation, limits: config.limits, ...o.settings };
  const verifier = new TokenVerifier(store, catalog, clock, { prefix: config.tokenPrefix, ttlMs: config.authCacheSeconds * 1000 });
  const events = new EventRecorder();
  // Token events queue mails and webhook deliveries in their own transaction (also from the CLI).
  events.addSink(notificationSink(() => events.queued()));
  events.addSink(invitationSink(() => events.queued()));
  return { store, clock, catalog, events, verifier, hasher: o.hasher ?? argon2Hasher, settings };
}

/**
 * Opens the configured database and checks that it answers; an unusable data folder, SQLite file
 * or server stops here with one line naming the variable. With `create: false` (CLI commands
 * other than serve and migrate) nothing is created: a database that does not exist is refused.
 */
export async function openStore(config: Readonly<Config>, o: { create?: boolean; log?: DbLog } = {}): Promise<Store & { db: Db; migrate(): Promise<string[]> }> {
  const create = o.create ?? true;
  const file = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null;
  if (create) {
    ensureDataDir(config.dataDir);
    if (file && file !== ':memory:') ensureDataDir(dirname(file), config.databaseFrom);
  }
  const loc = { url: config.databaseUrl, variable: config.databaseFrom };
  const db = await openChecked(loc, { create, log: o.log });
  const store = kyselyStore(db);
  return { ...store, migrate: () => migrateChecked(db, loc) };
}
