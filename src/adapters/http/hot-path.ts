import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyServerOptions } from 'fastify';
import type { RouteRecorder } from '../metrics/patd-metrics.js';

/** A GET request the hot path may answer: the raw request and the client address Fastify's `req.ip` would give. */
export interface HotRequest {
  raw: IncomingMessage;
  ip: string | undefined;
}

/** A complete answer (status, headers, body), or undefined to leave the request to Fastify. */
export interface HotAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body?: string;
}

/**
 * A route's answer for the one case its cache decides alone (a cached token check that
 * passes). It must give exactly what the route's Fastify handler gives for that request, or
 * undefined for everything else: misses, refusals, anything unusual. A test compares the two
 * over HTTP (test/integration/hot-path.test.ts).
 */
export type HotHandler = (req: HotRequest) => HotAnswer | undefined;

interface HotRoute {
  url: string;
  answer: HotHandler;
  record: RouteRecorder;
  /** Counts answers given here (patd_http_hot_path_total). */
  answered: () => void;
}

type TrustFn = (addr: string, i: number) => boolean;

/** Fastify's trustProxy as a function, compiled the way Fastify compiles it (request.js). */
function trustFn(tp: boolean | string): TrustFn | undefined {
  if (tp === false) return undefined;
  if (tp === true) return () => true;
  return proxyAddr.compile(tp.split(',').map((v) => v.trim()));
}

/**
 * The hot path: GET requests to a few exact URLs (`/api/v1/me`, `/auth/verify`, no query)
 * answered from the verifier's cache before Fastify builds its request, reply, logger, hooks
 * and serializer for them, which cost more than the token check itself (bench/pinned.ts).
 * What every request gets still happens here: the route's metrics and its client address rules.
 * A hot route logs at `warn` (app.ts refuses one that would write an access line for each
 * answer), as token checks do. Everything a route's hot handler does not answer, and every
 * request while the server closes, goes to Fastify unchanged.
 */
export class HotPath {
  private readonly routes = new Map<string, HotRoute>();
  private readonly trust: TrustFn | undefined;
  /** Set when the app starts closing: Fastify then answers (503, Connection: close). */
  closing = false;

  constructor(trustProxy: boolean | string) {
    this.trust = trustFn(trustProxy);
  }

  add(route: HotRoute): void {
    this.routes.set(route.url, route);
  }

  /** Answers the request and returns true, or returns false having written nothing. */
  handle(raw: IncomingMessage, res: ServerResponse): boolean {
    if (raw.method !== 'GET' || this.closing) return false;
    const route = this.routes.get(raw.url as string);
    if (!route) return false;
    const start = performance.now();
    const ip = this.ip(raw);
    let a: HotAnswer | undefined;
    try {
      a = route.answer({ raw, ip });
      if (!a) return false;
      res.writeHead(a.status, a.headers);
    } catch {
      // Not expected (nothing is written yet): Fastify answers, with its error handling and logs.
      return false;
    }
    res.end(a.body);
    const ms = performance.now() - start;
    route.record('GET', a.status, ms / 1000);
    route.answered();
    return true;
  }

  private ip(raw: IncomingMessage): string | undefined {
    if (!this.trust) return raw.socket.remoteAddress;
    const all = proxyAddr.all(raw, this.trust);
    return all[all.length - 1];
  }

  /**
   * Fastify's `serverFactory`: the HTTP server Fastify would make (same timeouts), with the hot
   * path in front of Fastify's handler.
   */
  serverFactory(): NonNullable<FastifyServerOptions['serverFactory']> {
    return (handler, options) => {
      // Fastify's options after its defaults (lib/server.js sets the same on its own server).
      const o = options as { http?: ServerOptions; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number | null };
      const server: Server = createServer(o.http ?? {}, (req, res) => {
        if (!this.handle(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = o.keepAliveTimeout ?? 72_000;
      server.requestTimeout = o.requestTimeout ?? 0;
      server.setTimeout(o.connectionTimeout ?? 0);
      if (o.maxRequestsPerSocket) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    };
  }
}
