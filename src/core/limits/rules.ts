import type { Rate } from './limiter.js';

/** The limits on guessing (spec: "Rules every /api/v1 route keeps"); PATD_LIMIT_* in docs/configuration.md. */
export interface RateLimitSettings {
  /** Failed sign-ins per username and client IP (PATD_LIMIT_SIGNIN). */
  signIn: Rate;
  /** Failed sign-ins per username from all IPs: the much higher ceiling (PATD_LIMIT_SIGNIN_USER). */
  signInUser: Rate;
  /**
   * Failed sign-ins from one client IP across all usernames (PATD_LIMIT_SIGNIN_IP): bounds
   * password spraying; it only ever slows that one address down.
   */
  signInIp: Rate;
  /** Unknown device user codes looked up or approved, per client IP (PATD_LIMIT_DEVICE_CODES). */
  deviceCodes: Rate;
  /** Device authorization requests per client IP (PATD_LIMIT_DEVICE_START). */
  deviceStart: Rate;
  /** Failed token checks per client IP on /auth/verify, /oauth/introspect|revoke and the git host (PATD_LIMIT_TOKEN_FAILURES). */
  tokenFailures: Rate;
  /** Leak reports per client IP (PATD_LIMIT_LEAK_REPORTS). */
  leakReports: Rate;
}

const MINUTE = 60_000;

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  signIn: { max: 10, windowMs: 15 * MINUTE },
  signInUser: { max: 100, windowMs: 15 * MINUTE },
  signInIp: { max: 100, windowMs: 15 * MINUTE },
  deviceCodes: { max: 30, windowMs: 10 * MINUTE },
  deviceStart: { max: 60, windowMs: 15 * MINUTE },
  tokenFailures: { max: 600, windowMs: MINUTE },
  leakReports: { max: 60, windowMs: 60 * MINUTE },
};
