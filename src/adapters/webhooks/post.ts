import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { DeliveryRefused, type WebhookPoster } from '../../core/notifications/model.js';
import { type AddressRules, addressAllowed, guardedLookup, ipLiteral } from './addresses.js';

/**
 * POSTs with node:http(s) through request-filtering-agent's agents, whose sockets resolve names
 * with `guardedLookup`: the address is checked when connecting (every attempt, so DNS rebinding
 * after registration does not get through), and TLS still verifies the URL's host name (SNI
 * and certificate are the name's, not the address's). An IP literal is checked before any
 * socket is made. Redirects are not followed (a 3xx counts as a failed attempt). The agents'
 * own filter stays as a second line with the same rule.
 */
export function webhookPoster(rules: AddressRules): WebhookPoster {
  const options = {
    allowPrivateIPAddress: rules.allowPrivate, allowMetaIPAddress: false, keepAlive: false, lookup: guardedLookup(rules),
  };
  const agents = { http: new RequestFilteringHttpAgent(options), https: new RequestFilteringHttpsAgent(options) };
  return (url, headers, body, timeoutMs, stop) => new Promise<number>((resolve, reject) => {
    const u = new URL(url);
    const literal = ipLiteral(u);
    if (literal && !addressAllowed(literal, rules.allowPrivate)) return reject(new DeliveryRefused());
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
    const secure = u.protocol === 'https:';
    const req = (secure ? https : http).request(u, {
      method: 'POST', agent: secure ? agents.https : agents.http, signal,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', (e) => reject(refusedOr(e, timeout)));
    req.end(body);
  });
}

/** The agent's own filter reports with the address in its message: that must not reach the delivery log. */
function refusedOr(e: Error, timeout: AbortSignal): Error {
  if (e instanceof DeliveryRefused || /^DNS lookup .* is not allowed/.test(e.message)) return new DeliveryRefused();
  if (timeout.aborted) return new Error('timed out');
  return e;
}
