import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';

/** What one access line says; the URL is already redacted (redactUrl). */
export interface AccessEntry {
  reqId: string;
  method: string;
  url: string;
  host: string | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  statusCode: number;
  responseTime: number;
}

export type AccessLine = (e: AccessEntry) => void;

/** Printable ASCII without `"` and `\\`: written as is; anything else goes through JSON.stringify. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const str = (v: string | undefined): string => (v === undefined ? 'null' : PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));
const int = (v: number | undefined): string => (v === undefined || !Number.isInteger(v) ? 'null' : `${v}`);
/** Milliseconds to the microsecond, from integers (printing a double costs more than the rest of the line). */
const ms = (v: number): string => {
  if (!(v >= 0) || !Number.isFinite(v)) return 'null';
  const us = Math.round(v * 1000);
  const frac = us % 1000;
  return `${(us - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
};

/**
 * The access line (`request completed`), written to the logger's own destination in the JSON
 * shape pino gives every other line (level, time, pid, hostname, reqId, req, res, responseTime,
 * msg), so pino-pretty and log shippers read it the same way. It is formatted here, field by
 * field from values that hold no secret, because it is the one line written for every request:
 * pino's generic path (serializers, wildcard redaction, object walk) cost more than the cached
 * token check itself (bench/pinned.ts). Every other line goes through pino and its redaction.
 * The caller checks the level (a route's may differ). Undefined for a logger without a pino destination.
 */
export function accessLine(logger: Logger): AccessLine | undefined {
  const stream = (logger as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym];
  if (!stream || !logger.levels) return undefined;
  const info = logger.levels.values.info ?? 30;
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  const write = batched(stream);
  return (e) => {
    write(`{"level":${info},"time":${Date.now()}${base},"reqId":${str(e.reqId)},"req":{"method":${str(e.method)},"url":${str(e.url)},"host":${str(e.host)},"remoteAddress":${str(e.remoteAddress)},"remotePort":${int(e.remotePort)}},"res":{"statusCode":${int(e.statusCode)}},"responseTime":${ms(e.responseTime)},"msg":"request completed"}\n`);
  };
}

/** How long access lines may wait to be written together, and how many bytes at most. */
const BATCH_MS = 100;
const BATCH_BYTES = 64 * 1024;
/** Writers holding lines: written out when the process exits (before pino flushes its destination). */
const holding = new Set<() => void>();
process.on('exit', () => {
  for (const flush of holding) flush();
});

/**
 * On an asynchronous destination (patd serve's standard output), access lines are written
 * together: at most every 100 ms or 64 KiB, instead of one write (a thread-pool round trip)
 * per request. A synchronous destination (a file written synchronously, tests' streams) gets
 * each line at once. Lines may reach the destination up to 100 ms after other lines written
 * meanwhile; each has its time.
 */
function batched(stream: DestinationStream): (line: string) => void {
  if ((stream as { sync?: boolean }).sync !== false) return (line) => void stream.write(line);
  // Lines are kept apart and joined once: a string grown with += is a deep rope that costs
  // several times more to flatten and encode when the destination writes it.
  let lines: string[] = [];
  let length = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    holding.delete(flush);
    if (lines.length === 0) return;
    const out = lines.join('');
    lines = [];
    length = 0;
    stream.write(out);
  };
  return (line) => {
    lines.push(line);
    length += line.length;
    if (length >= BATCH_BYTES) return flush();
    if (!timer) {
      timer = setTimeout(flush, BATCH_MS).unref();
      holding.add(flush);
    }
  };
}
