import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { accessLine } from '../../src/adapters/access-line.js';
import { makeLogger, requestLoggerFactory } from '../../src/adapters/logger.js';
import { until } from '../helpers/serve-process.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { lines, logger: makeLogger('info', sink) };
}

test('a request logger writes its lines with the request id, through the redacting logger', () => {
  const { lines, logger } = capture();
  const log = requestLoggerFactory(logger, { reqId: 'req_1' }, {});
  log.warn({ secret: 'patd_SECRET', headers: { authorization: 'Basic abc' } }, 'database unavailable');
  log.child({ part: 'git' }).error('git failed');
  assert.deepEqual(lines.map((l) => [l.msg, l.reqId]), [['database unavailable', 'req_1'], ['git failed', 'req_1']]);
  assert.equal(lines[1]?.part, 'git');
  assert.ok(!JSON.stringify(lines).includes('patd_SECRET') && !JSON.stringify(lines).includes('Basic abc'));
});

test("a request logger follows its route's level and the parent's", () => {
  const { lines, logger } = capture();
  const quiet = requestLoggerFactory(logger, { reqId: 'req_2' }, { level: 'warn' });
  assert.equal(quiet.level, 'warn');
  assert.equal(quiet.isLevelEnabled('info'), false);
  assert.equal(quiet.isLevelEnabled('error'), true);
  quiet.info('not written');
  quiet.error('written');
  const normal = requestLoggerFactory(logger, { reqId: 'req_3' }, {});
  assert.equal(normal.isLevelEnabled('info'), true);
  assert.equal(normal.isLevelEnabled('debug'), false);
  normal.level = 'debug';
  normal.debug('now written');
  assert.deepEqual(lines.map((l) => l.msg), ['written', 'now written']);
});

test('the access line is a JSON line in the shape of every other line, with odd values escaped', () => {
  const { lines, logger } = capture();
  logger.warn('before');
  const write = accessLine(logger);
  assert.ok(write);
  write({ reqId: 'req_4', method: 'GET', url: '/x?q="\n\u202e', host: undefined, remoteAddress: '127.0.0.1', remotePort: undefined, statusCode: 200, responseTime: 1.5 });
  logger.warn('after');
  assert.deepEqual(lines.map((l) => l.msg), ['before', 'request completed', 'after']);
  const [first, line] = lines as [Record<string, unknown>, Record<string, any>];
  assert.deepEqual(Object.keys(line), ['level', 'time', 'pid', 'hostname', 'reqId', 'req', 'res', 'responseTime', 'msg']);
  assert.equal(line.level, 30);
  assert.equal(line.hostname, first.hostname);
  assert.equal(line.pid, first.pid);
  assert.equal(typeof line.time, 'number');
  assert.deepEqual(line.req, { method: 'GET', url: '/x?q="\n\u202e', host: null, remoteAddress: '127.0.0.1', remotePort: null });
  assert.deepEqual(line.res, { statusCode: 200 });
  assert.equal(line.responseTime, 1.5);
});

test('every field of the access line survives as JSON: quotes, backslashes, control and non-ASCII characters, odd numbers', () => {
  const { lines, logger } = capture();
  const write = accessLine(logger);
  assert.ok(write);
  const odd = ['plain', 'a"b', 'a\\b', '\u0000\u001f\u007f', 'é\u2028', '', ' ~!#[]'];
  for (const v of odd) {
    write({ reqId: v, method: v, url: v, host: v, remoteAddress: v, remotePort: 65535, statusCode: 404, responseTime: 0.0004 });
  }
  write({ reqId: 'r', method: 'GET', url: '/', host: 'h', remoteAddress: 'a', remotePort: Number.NaN, statusCode: 200, responseTime: Number.NaN });
  write({ reqId: 'r', method: 'GET', url: '/', host: 'h', remoteAddress: 'a', remotePort: 1, statusCode: 200, responseTime: 12345.6789 });
  write({ reqId: 'r', method: 'GET', url: '/', host: 'h', remoteAddress: 'a', remotePort: 1, statusCode: 200, responseTime: 0.0106 });
  assert.equal(lines.length, odd.length + 3);
  for (const [i, v] of odd.entries()) {
    const l = lines[i] as Record<string, any>;
    assert.deepEqual([l.reqId, l.req.method, l.req.url, l.req.host, l.req.remoteAddress], [v, v, v, v, v]);
    assert.equal(l.req.remotePort, 65535);
    assert.equal(l.res.statusCode, 404);
    assert.equal(l.responseTime, 0);
  }
  const [nan, big, small] = lines.slice(odd.length) as Record<string, any>[];
  assert.equal(nan?.req.remotePort, null);
  assert.equal(nan?.responseTime, null);
  assert.equal(big?.responseTime, 12345.679);
  assert.equal(small?.responseTime, 0.011);
});

test('on an asynchronous destination access lines are written together, and none is lost when the process exits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'patd-access-'));
  const file = join(dir, 'out.log');
  // A process that writes three access lines to an asynchronous destination and exits at once.
  const script = `
    import { openSync } from 'node:fs';
    import pino from 'pino';
    import { makeLogger } from ${JSON.stringify(new URL('../../src/adapters/logger.ts', import.meta.url).href)};
    import { accessLine } from ${JSON.stringify(new URL('../../src/adapters/access-line.ts', import.meta.url).href)};
    // A file descriptor, as patd serve's standard output is (dest 1).
    const logger = makeLogger('info', pino.destination({ dest: openSync(${JSON.stringify(file)}, 'a'), sync: false }));
    const write = accessLine(logger);
    for (const n of [1, 2, 3]) write({ reqId: 'req_' + n, method: 'GET', url: '/x', host: 'h', remoteAddress: '127.0.0.1', remotePort: 1, statusCode: 200, responseTime: 1 });
    logger.warn('last');
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; reqId?: string });
  assert.deepEqual(lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId), ['req_1', 'req_2', 'req_3']);
  assert.ok(lines.some((l) => l.msg === 'last'));
});

/** Access lines to a file through an asynchronous destination, as patd serve writes them. */
function asyncFileAccessLine() {
  const file = join(mkdtempSync(join(tmpdir(), 'patd-access-')), 'out.log');
  const dest = pino.destination({ dest: file, sync: false });
  const write = accessLine(makeLogger('info', dest));
  assert.ok(write);
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return { write, read, end: () => dest.end() };
}

test('batched access lines reach an asynchronous destination without a request after them', async () => {
  const { write, read, end } = asyncFileAccessLine();
  write({ reqId: 'req_alone', method: 'GET', url: '/x', host: 'h', remoteAddress: '127.0.0.1', remotePort: 1, statusCode: 200, responseTime: 1 });
  await until('the line', () => read().includes('req_alone'), 5000);
  end();
});

test('batched access lines keep their order and their characters: many lines, non-ASCII ones and one larger than a batch', async () => {
  const { write, read, end } = asyncFileAccessLine();
  const urls: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const url = i === 1500 ? `/huge/${'é'.repeat(40_000)}` : i % 7 === 0 ? `/x/${i}/é€😀"\\` : `/x/${i}`;
    urls.push(url);
    write({ reqId: `req_${i}`, method: 'GET', url, host: 'h', remoteAddress: '127.0.0.1', remotePort: 1, statusCode: 200, responseTime: 1 });
  }
  await until('the last line', () => read().includes('"req_2999"'), 10_000);
  const lines = read().trim().split('\n').map((l) => JSON.parse(l) as { reqId: string; req: { url: string } });
  assert.deepEqual(lines.map((l) => l.reqId), urls.map((_, i) => `req_${i}`));
  assert.deepEqual(lines.map((l) => l.req.url), urls);
  end();
});
