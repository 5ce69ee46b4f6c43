import type { WebhookPoster } from '../../core/notifications/model.js';

/** POSTs with fetch; redirects are not followed (a 3xx counts as a failed attempt). */
export const fetchPoster: WebhookPoster = async (url, headers, body, timeoutMs, stop) => {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
  await res.body?.cancel().catch(() => {});
  return res.status;
};
