import type { EventRecorder } from './audit/record.js';
import type { Clock } from './clock.js';
import type { PasswordHasher, Store } from './ports.js';
import type { ScopeCatalog } from './scopes/catalog.js';
import type { TokenVerifier } from './tokens/verify.js';

/** What every use case gets: built once by the composition root. */
export interface CoreDeps {
  store: Store;
  clock: Clock;
  catalog: ScopeCatalog;
  events: EventRecorder;
  verifier: TokenVerifier;
  hasher: PasswordHasher;
  settings: CoreSettings;
}

export interface CoreSettings {
  tokenPrefix: string;
  maxTokenDays: number;
  sessionDays: number;
  /** Sign-in attempts allowed per window, per username and per IP. */
  signInPerUser: number;
  signInPerIp: number;
  signInWindowMs: number;
  /** PATD_ORG_CREATION: who may create orgs through the API. */
  orgCreation: 'everyone' | 'admins';
}

export const DEFAULT_CORE_SETTINGS: Omit<CoreSettings, 'tokenPrefix'> = {
  maxTokenDays: 365,
  sessionDays: 7,
  signInPerUser: 10,
  signInPerIp: 50,
  signInWindowMs: 15 * 60_000,
  orgCreation: 'everyone',
};
