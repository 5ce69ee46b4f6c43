import type { WebhookPoster } from '../../core/notifications/model.js';

/** POSTs with fetch; redirects are not followed (a 3xx counts as a failed attempt). */
export const fetchPoster: WebhookPoster = async (url, headers, body, timeoutMs) => {
  const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel().catch(() => {});
  return res.status;
};
