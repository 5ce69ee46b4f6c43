import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storageFault } from '../../src/adapters/storage/faults.js';

const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

test('errors that mean "the database is not answering" are faults, with a Retry-After', () => {
  const cases: [Error, number][] = [
    [err('terminating connection due to administrator command', { code: '57P01' }), 5],
    [err('database "x" is not currently accepting connections', { code: '55000' }), 5],
    [err('the database system is starting up', { code: '57P03' }), 5],
    [err('sorry, too many clients already', { code: '53300' }), 5],
    [err('Connection terminated unexpectedly'), 5],
    [err('Client has encountered a connection error and is not queryable'), 5],
    [err('timeout exceeded when trying to connect'), 5],
    [err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }), 5],
    [new AggregateError([err('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''), 5],
    [err('could not serialize access', { code: '40001' }), 1],
    [err('database is locked', { code: 'SQLITE_BUSY' }), 1],
    [err('database is locked', { code: 'SQLITE_BUSY_SNAPSHOT' }), 1],
    [err('database or disk is full', { code: 'SQLITE_FULL' }), 5],
    [err('disk I/O error', { code: 'SQLITE_IOERR_WRITE' }), 5],
    [err('unable to open database file', { code: 'SQLITE_CANTOPEN' }), 5],
  ];
  for (const [e, retryAfter] of cases) assert.equal(storageFault(e)?.retryAfter, retryAfter, e.message);
});

test('anything else is not a fault (it stays a 500 with the cause in the log)', () => {
  for (const e of [
    err('duplicate key value violates unique constraint', { code: '23505' }),
    err('UNIQUE constraint failed: users.username', { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    err('syntax error at or near "selec"', { code: '42601' }),
    err('object_not_in_prerequisite_state', { code: '55000' }),
    err('Cannot read properties of undefined'),
    null,
    'a string',
  ]) assert.equal(storageFault(e), null, String((e as Error | null)?.message ?? e));
});
