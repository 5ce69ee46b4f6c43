import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomSecret } from './core/ids.js';
import type { Rate } from './core/limits/limiter.js';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from './core/limits/rules.js';
import { parseScopesFile, type ScopeDef } from './core/scopes/catalog.js';
import { PREFIX_RE } from './core/tokens/format.js';

/** All of patd's configuration, parsed once at start-up and frozen. Defaults are documented in docs/configuration.md. */
export interface Config {
  dataDir: string;
  databaseUrl: string;
  /** The variable the database URL comes from (named in errors): PATD_DATABASE_URL, or PATD_DATA_DIR for the default file. */
  databaseFrom: 'PATD_DATABASE_URL' | 'PATD_DATA_DIR';
  host: string;
  port: number;
  publicUrl: string;
  secret: string;
  /** True when PATD_SECRET was generated into the data folder (development default). */
  secretGenerated: boolean;
  tokenPrefix: string;
  maxTokenDays: number;
  adminPassword: string | null;
  adminEmail: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  expiryWarningDays: number[];
  oidc: { issuer: string; clientId: string; clientSecret: string } | null;
  extraScopes: ScopeDef[];
  logLevel: string;
  /** PATD_LOG_FORMAT; `auto` (unset): human-readable on a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | 'auto';
  trustProxy: boolean | string;
  authCacheSeconds: number;
  /** PATD_ORG_CREATION: who may create orgs through the API (`patd org add` always may). */
  orgCreation: 'everyone' | 'admins';
  /** PATD_WEBHOOK_ALLOW_PRIVATE: webhooks may reach loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
  /** PATD_LIMIT_*: limits on guessing, shared by every instance. */
  limits: RateLimitSettings;
}

/** Bad configuration: the message names the variable and goes to stderr as one line. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${v}")`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ConfigError(`${name} must be true or false (got "${v}")`);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** "10/15m": at most 10 per 15 minutes (units s, m, h); "off" turns the limit off. */
function rate(env: Env, name: string, def: Rate): Rate {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (v === 'off') return { max: 0, windowMs: def.windowMs };
  const m = /^(\d{1,7})\/(\d{1,5})([smh])$/.exec(v.trim());
  const max = Number(m?.[1]);
  const windowMs = Number(m?.[2]) * (UNIT_MS[m?.[3] ?? ''] ?? 0);
  if (!m || max < 1 || windowMs < 1000 || windowMs > 86_400_000) {
    throw new ConfigError(`${name} must be COUNT/WINDOW such as 10/15m (window in s, m or h, at most 24h), or off (got "${v}")`);
  }
  return { max, windowMs };
}

function limits(env: Env): RateLimitSettings {
  const d = DEFAULT_RATE_LIMITS;
  const signIn = rate(env, 'PATD_LIMIT_SIGNIN', d.signIn);
  const signInUser = rate(env, 'PATD_LIMIT_SIGNIN_USER', d.signInUser);
  // A ceiling no higher than one address's allowance would let one address lock a person out.
  if (signIn.max > 0 && signInUser.max > 0 && signInUser.max <= signIn.max) {
    throw new ConfigError('PATD_LIMIT_SIGNIN_USER must allow more attempts than PATD_LIMIT_SIGNIN (it is the ceiling across all addresses)');
  }
  return {
    signIn,
    signInUser,
    signInIp: rate(env, 'PATD_LIMIT_SIGNIN_IP', d.signInIp),
    deviceCodes: rate(env, 'PATD_LIMIT_DEVICE_CODES', d.deviceCodes),
    deviceStart: rate(env, 'PATD_LIMIT_DEVICE_START', d.deviceStart),
    tokenFailures: rate(env, 'PATD_LIMIT_TOKEN_FAILURES', d.tokenFailures),
    leakReports: rate(env, 'PATD_LIMIT_LEAK_REPORTS', d.leakReports),
  };
}

/** Reads `.env` in the working directory when present (values already in the environment win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadConfig(env: Env = process.env, opts: { ensureSecret?: boolean } = {}): Readonly<Config> {
  const dataDir = resolve(env.PATD_DATA_DIR || './data');
  const databaseUrl = env.PATD_DATABASE_URL || `sqlite:${join(dataDir, 'patd.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) throw new ConfigError('PATD_DATABASE_URL must start with sqlite: or postgres://');
  const host = env.PATD_HOST || '127.0.0.1';
  const port = int(env, 'PATD_PORT', 8080, 0, 65535);
  const publicUrl = (env.PATD_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`PATD_PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);
  }
  const tokenPrefix = env.PATD_TOKEN_PREFIX || 'patd_';
  if (!PREFIX_RE.test(tokenPrefix)) throw new ConfigError('PATD_TOKEN_PREFIX must match [a-z][a-z0-9]{1,14}_');
  const maxTokenDays = int(env, 'PATD_MAX_TOKEN_DAYS', 365, 1, 3650);
  const warn = (env.PATD_EXPIRY_WARNING_DAYS || '7').split(',').map((s) => s.trim());
  const expiryWarningDays = warn.map(Number);
  if (expiryWarningDays.some((n) => !Number.isInteger(n) || n < 1 || n > 365)) {
    throw new ConfigError('PATD_EXPIRY_WARNING_DAYS must be a comma-separated list of whole days, such as 30,7,1');
  }
  const smtpUrl = env.PATD_SMTP_URL || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('PATD_SMTP_URL must start with smtp:// or smtps://');
  let extraScopes: ScopeDef[] = [];
  if (env.PATD_SCOPES_FILE) {
    try {
      extraScopes = parseScopesFile(JSON.parse(readFileSync(env.PATD_SCOPES_FILE, 'utf8')));
    } catch (e) {
      throw new ConfigError(`PATD_SCOPES_FILE: ${(e as Error).message}`);
    }
  }
  const oidcIssuer = env.PATD_OIDC_ISSUER;
  if (oidcIssuer && (!env.PATD_OIDC_CLIENT_ID || !env.PATD_OIDC_CLIENT_SECRET)) {
    throw new ConfigError('PATD_OIDC_ISSUER needs PATD_OIDC_CLIENT_ID and PATD_OIDC_CLIENT_SECRET');
  }
  if (oidcIssuer) checkIssuer(oidcIssuer);
  const logLevel = env.PATD_LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('PATD_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const logFormat = env.PATD_LOG_FORMAT || 'auto';
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') throw new ConfigError('PATD_LOG_FORMAT must be json or pretty (unset: pretty on a terminal, JSON otherwise)');
  const orgCreation = env.PATD_ORG_CREATION || 'everyone';
  if (orgCreation !== 'everyone' && orgCreation !== 'admins') throw new ConfigError(`PATD_ORG_CREATION must be everyone or admins (got "${orgCreation}")`);
  const tp = env.PATD_TRUST_PROXY;
  const trustProxy = !tp || tp === 'false' ? false : tp === 'true' ? true : tp;
  let secret = env.PATD_SECRET || '';
  let secretGenerated = false;
  if (!secret && opts.ensureSecret !== false) {
    try {
      ({ secret, generated: secretGenerated } = ensureSecretFile(dataDir));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`PATD_DATA_DIR: cannot keep the generated secret in ${join(dataDir, 'secret')} (${(e as Error).message}); make the folder writable by patd, or set PATD_SECRET`);
    }
  }
  if (env.PATD_SECRET && env.PATD_SECRET.length < 32) throw new ConfigError('PATD_SECRET must be at least 32 characters');
  return Object.freeze({
    dataDir, databaseUrl, databaseFrom: env.PATD_DATABASE_URL ? 'PATD_DATABASE_URL' : 'PATD_DATA_DIR', host, port, publicUrl, secret, secretGenerated, tokenPrefix, maxTokenDays,
    adminPassword: env.PATD_ADMIN_PASSWORD || null, adminEmail: env.PATD_ADMIN_EMAIL || null,
    smtpUrl, mailFrom: env.PATD_MAIL_FROM || 'patd <patd@localhost>', expiryWarningDays: [...new Set(expiryWarningDays)].sort((a, b) => b - a),
    oidc: oidcIssuer ? { issuer: oidcIssuer, clientId: env.PATD_OIDC_CLIENT_ID as string, clientSecret: env.PATD_OIDC_CLIENT_SECRET as string } : null,
    extraScopes, logLevel, logFormat, trustProxy, authCacheSeconds: int(env, 'PATD_AUTH_CACHE_SECONDS', 5, 0, 300),
    orgCreation,
    webhookAllowPrivate: bool(env, 'PATD_WEBHOOK_ALLOW_PRIVATE', false), limits: limits(env),
  });
}

/** An https URL; plain http only on a loopback address (a provider on the same machine, or in tests). */
function checkIssuer(issuer: string): void {
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    throw new ConfigError(`PATD_OIDC_ISSUER must be the provider's issuer URL (got "${issuer}")`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new ConfigError(`PATD_OIDC_ISSUER must be an https URL (http only on a loopback address; got "${issuer}")`);
  }
  if (u.search || u.hash) throw new ConfigError('PATD_OIDC_ISSUER must not have a query or fragment');
}

/**
 * Creates the folder (0700) when missing and checks that patd can use it; otherwise stops
 * start-up with one line naming the folder, the variable and the cause.
 */
export function ensureDataDir(dir: string, variable = 'PATD_DATA_DIR'): void {
  const fail = (cause: string) => new ConfigError(`${variable}: the folder ${dir} cannot be used: ${cause}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw fail('it is a file, not a folder (EEXIST)');
    if (err.code === 'ENOTDIR') throw fail('a part of its path is a file, not a folder (ENOTDIR)');
    throw fail(err.message);
  }
  if (!statSync(dir).isDirectory()) throw fail('it is a file, not a folder');
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw fail(err.code === 'EROFS' ? 'it is on a read-only file system (EROFS)' : `patd's user may not write to it (${err.code})`);
  }
}

function ensureSecretFile(dataDir: string): { secret: string; generated: boolean } {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: true };
  ensureDataDir(dataDir);
  const secret = randomSecret(32);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, generated: true };
}
