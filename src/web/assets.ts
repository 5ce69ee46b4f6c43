import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * The pages' stylesheet, script and icon (src/web/assets/), read once and served from
 * `/assets/{name}.{hash}.{ext}`: the hash of the content is in the URL, so a browser may keep a
 * file forever (immutable) and a new release is a new URL. The compiled server (dist/) reads
 * them from src/web/assets as well; they need no build step.
 */
const here = dirname(fileURLToPath(import.meta.url));
const DIR = [join(here, 'assets'), join(here, '..', '..', 'src', 'web', 'assets')].find((d) => existsSync(join(d, 'app.css')));

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml' };

interface Asset {
  url: string;
  type: string;
  body: Buffer;
}

function load(file: string): Asset {
  if (!DIR) throw new Error('patd: the web assets (src/web/assets) are missing from this installation');
  const body = readFileSync(join(DIR, file));
  const dot = file.lastIndexOf('.');
  const ext = file.slice(dot + 1);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { url: `/assets/${file.slice(0, dot)}.${hash}.${ext}`, type: TYPES[ext] ?? 'application/octet-stream', body };
}

let loaded: { css: Asset; js: Asset; icon: Asset } | null = null;

/** The URLs the layout links to (loaded on first use). */
export function assets() {
  loaded ??= { css: load('app.css'), js: load('app.js'), icon: load('icon.svg') };
  return loaded;
}

/** `GET /assets/…`: only the current hashed names; anything else is a 404. */
export function assetRoutes(app: FastifyInstance): void {
  const a = assets();
  const byUrl = new Map([a.css, a.js, a.icon].map((x) => [x.url, x] as const));
  app.get('/assets/*', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const asset = byUrl.get(req.url.split('?')[0] ?? '');
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('not found\n');
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff').send(asset.body);
  });
}
