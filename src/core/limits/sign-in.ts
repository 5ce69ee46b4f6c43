import type { CoreDeps } from '../deps.js';
import { clientKey, Limiter } from './limiter.js';

/**
 * Failed password sign-ins are counted per (username, client IP), so that nobody can lock
 * another person out from their own address; across all IPs only a much higher ceiling per
 * username applies, and one address trying many usernames (password spraying) meets a
 * ceiling of its own. An attempt is counted before the password is checked (so concurrent
 * guesses cannot slip past the limit) and given back when it succeeds.
 */
export class SignInLimits {
  private readonly perClient: Limiter;
  private readonly perUser: Limiter;
  private readonly perIp: Limiter;

  constructor(d: CoreDeps) {
    const l = d.settings.limits;
    this.perClient = new Limiter(d.store, d.clock, 'signin', l.signIn, 'too many failed sign-ins for this username from your address');
    this.perUser = new Limiter(d.store, d.clock, 'signin-user', l.signInUser, 'too many failed sign-ins for this username');
    this.perIp = new Limiter(d.store, d.clock, 'signin-ip', l.signInIp, 'too many failed sign-ins from your address');
  }

  /** Before the password is checked; throws rate_limited. */
  async begin(username: string, ip: string | null): Promise<void> {
    const u = username.toLowerCase();
    // The per-username ceiling only sees attempts the per-client limit let through: a client
    // over its own limit does not use up anybody else's.
    await this.perIp.take([clientKey(ip)]);
    await this.perClient.take([u, clientKey(ip)]);
    await this.perUser.take([u]);
  }

  /** A successful sign-in does not count. */
  async succeeded(username: string, ip: string | null): Promise<void> {
    const u = username.toLowerCase();
    await Promise.all([this.perClient.reset([u, clientKey(ip)]), this.perUser.refund([u]), this.perIp.refund([clientKey(ip)])]);
  }
}
