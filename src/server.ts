import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { argon2Hasher } from './adapters/password.js';
import { buildApp } from './adapters/http/app.js';
import type { HttpExtension } from './adapters/http/deps.js';
import { makeLogger } from './adapters/logger.js';
import { migrate, openDb } from './adapters/storage/db.js';
import { kyselyStore } from './adapters/storage/store.js';
import type { Config } from './config.js';
import { AccountService } from './core/accounts/service.js';
import { EventRecorder } from './core/audit/record.js';
import { type Clock, systemClock } from './core/clock.js';
import { type CoreDeps, DEFAULT_CORE_SETTINGS } from './core/deps.js';
import { OrgService } from './core/orgs/service.js';
import type { PasswordHasher, Store } from './core/ports.js';
import { ScopeCatalog } from './core/scopes/catalog.js';
import { TokenService } from './core/tokens/service.js';
import { TokenVerifier } from './core/tokens/verify.js';

/** A background task with a lifecycle (usage flush, outbox worker, expiry scan, …). */
export interface Worker {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface Overrides {
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  /** Extra settings for tests (e.g. sign-in limits). */
  settings?: Partial<CoreDeps['settings']>;
}

export interface Patd {
  config: Readonly<Config>;
  store: Store;
  core: CoreDeps;
  accounts: AccountService;
  orgs: OrgService;
  tokens: TokenService;
  logger: Logger;
  app: FastifyInstance;
  workers: Worker[];
  /** Starts the workers and listens; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Builds the core services over an opened store (shared by the server and the CLI). */
export function buildCore(config: Readonly<Config>, store: Store, o: Overrides = {}): CoreDeps {
  const clock = o.clock ?? systemClock;
  const catalog = new ScopeCatalog(config.extraScopes);
  const settings = { ...DEFAULT_CORE_SETTINGS, tokenPrefix: config.tokenPrefix, maxTokenDays: config.maxTokenDays, ...o.settings };
  const verifier = new TokenVerifier(store, catalog, clock, { prefix: config.tokenPrefix, ttlMs: config.authCacheSeconds * 1000 });
  return { store, clock, catalog, events: new EventRecorder(), verifier, hasher: o.hasher ?? argon2Hasher, settings };
}

export async function openStore(config: Readonly<Config>): Promise<Store & { migrate(): Promise<string[]> }> {
  const db = openDb(config.databaseUrl);
  const store = kyselyStore(db);
  return { ...store, migrate: () => migrate(db) };
}

/** The composition root: config in, a ready service out. Nothing else wires adapters together. */
export async function createPatd(config: Readonly<Config>, o: Overrides = {}): Promise<Patd> {
  const logger = o.logger ?? makeLogger(config.logLevel);
  const store = await openStore(config);
  await store.migrate();
  const core = buildCore(config, store, o);
  const accounts = new AccountService(core);
  const orgs = new OrgService(core);
  const tokens = new TokenService(core);
  const extensions: HttpExtension[] = [];
  const workers: Worker[] = [intervalWorker('usage-flush', 5_000, () => core.verifier.flushUsage(), logger)];

  const app = await buildApp({
    core, accounts, orgs, tokens, logger,
    http: { publicUrl: config.publicUrl, trustProxy: config.trustProxy },
    ready: async () => {
      await store.r.users.count();
    },
    extensions,
  });

  let closed = false;
  return {
    config, store, core, accounts, orgs, tokens, logger, app, workers,
    async listen() {
      for (const w of workers) w.start();
      return app.listen({ host: config.host, port: config.port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      for (const w of workers) await w.stop();
      await core.verifier.flushUsage().catch(() => {});
      await store.close();
    },
  };
}

/** Runs `fn` every `ms`, never overlapping itself; errors are logged, never thrown. */
export function intervalWorker(name: string, ms: number, fn: () => Promise<void>, logger: Logger): Worker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = fn().catch((err) => logger.error({ err, worker: name }, 'worker failed')).finally(() => {
      running = null;
    });
  };
  return {
    name,
    start() {
      timer ??= setInterval(tick, ms);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
