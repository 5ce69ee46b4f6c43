import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FastifyBaseLogger } from 'fastify';
import { gitEnv } from './storage.js';

/**
 * Every chunk of a pack passes through a fresh Buffer. They die at once, but V8 only
 * collects dead Buffers when its young generation fills (small objects, rarely) or when
 * their external memory passes ~64 MB: left alone, a 50 MB clone would leave ~50 MB of
 * garbage in RSS. A scavenge after every STREAM_GC_BYTES streamed keeps memory flat at a
 * cost of about a millisecond per 16 MB.
 */
const STREAM_GC_BYTES = 16 * 1024 * 1024;
let scavenge: (() => void) | null = null;
try {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (o: { type: 'minor'; execution: 'async' }) => void;
  scavenge = () => gc({ type: 'minor', execution: 'async' });
} catch {
  scavenge = null;
}
let streamed = 0;
const counted = (chunk: Buffer) => {
  streamed += chunk.length;
  if (streamed >= STREAM_GC_BYTES) {
    streamed = 0;
    scavenge?.();
  }
};

export interface CgiRequest {
  projectRoot: string;
  /** /{org}/{repo}.git/{info/refs|git-upload-pack|git-receive-pack} */
  pathInfo: string;
  queryString: string;
  remoteUser: string;
  remoteAddr: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER = 64 * 1024;

/**
 * Runs `git http-backend` for one request as a CGI: the request body is piped to its stdin
 * and its stdout, after the CGI headers, is piped to the response. Nothing is buffered
 * beyond the streams' own high-water marks, so a clone of any size runs in flat memory.
 */
export function runHttpBackend(req: IncomingMessage, res: ServerResponse, c: CgiRequest, log: FastifyBaseLogger, gitBin = 'git'): Promise<void> {
  const h = req.headers;
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: c.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: c.pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: c.queryString,
    REMOTE_USER: c.remoteUser,
    REMOTE_ADDR: c.remoteAddr,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
  };
  if (h['content-type']) env.CONTENT_TYPE = h['content-type'];
  if (h['content-length']) env.CONTENT_LENGTH = h['content-length'];
  if (h['content-encoding']) env.HTTP_CONTENT_ENCODING = h['content-encoding'];
  const proto = h['git-protocol'];
  if (typeof proto === 'string' && /^[a-z0-9=:._-]{1,100}$/i.test(proto)) env.GIT_PROTOCOL = proto;

  return new Promise((resolve) => {
    const child = spawn(gitBin, ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    const fail = (why: string) => {
      log.error({ why }, 'git http-backend failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('patd: the git backend failed\n');
      } else {
        res.destroy();
      }
    };

    child.on('error', (e) => {
      fail(e.message);
      finish();
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    child.on('close', (code) => {
      if (code !== 0 && stderr) log.warn({ code, stderr: stderr.slice(0, 2000) }, 'git http-backend exited with an error');
      if (!res.headersSent) fail(`exited with ${code} before sending headers`);
      finish();
    });
    // The client went away: stop the work it asked for.
    res.on('close', () => {
      if (!res.writableFinished && child.exitCode === null) child.kill('SIGTERM');
    });

    child.stdin.on('error', () => {}); // the backend may exit before reading everything (EPIPE)
    if (req.method === 'POST') {
      req.on('data', counted);
      req.pipe(child.stdin);
    }
    else child.stdin.end();

    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      let end = head.indexOf(HEADER_END);
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) {
        if (head.length > MAX_HEADER) {
          child.stdout.off('data', onData);
          child.kill('SIGTERM');
          fail('CGI headers too long');
        }
        return;
      }
      child.stdout.off('data', onData);
      child.stdout.pause();
      const { status, headers } = parseCgiHeaders(head.subarray(0, end).toString('latin1'));
      res.writeHead(status, headers);
      const rest = head.subarray(end + sep);
      if (rest.length) res.write(rest);
      child.stdout.on('data', counted);
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
  });
}

/** CGI response headers: `Status: 404 Not Found` sets the status; the rest are passed on. */
export function parseCgiHeaders(text: string): { status: number; headers: Record<string, string | string[]> } {
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'status') {
      const n = Number.parseInt(value, 10);
      if (n >= 100 && n < 600) status = n;
      continue;
    }
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return { status, headers };
}
