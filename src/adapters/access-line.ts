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

const str = (v: string | undefined): string => (v === undefined ? 'null' : JSON.stringify(v));
const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'null' : String(v));

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
  return (e) => {
    stream.write(`{"level":${info},"time":${Date.now()}${base},"reqId":${str(e.reqId)},"req":{"method":${str(e.method)},"url":${str(e.url)},"host":${str(e.host)},"remoteAddress":${str(e.remoteAddress)},"remotePort":${num(e.remotePort)}},"res":{"statusCode":${num(e.statusCode)}},"responseTime":${num(e.responseTime)},"msg":"request completed"}\n`);
  };
}
