import type Database from 'better-sqlite3';
import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';
import { CompiledQuery } from './kysely.js';

/**
 * BEGIN IMMEDIATE found the SQLite write lock taken by another process (the CLI, a backup, a
 * second server). Nothing ran yet, so the whole transaction may be tried again later.
 */
export class LockBusyAtBegin extends Error {
  constructor(readonly cause: Error) {
    super(cause.message);
    this.name = 'LockBusyAtBegin';
  }
}

export interface GuardOptions {
  /** The SQLite handle, when the dialect is SQLite: transactions begin IMMEDIATE, and it knows whether one is open. */
  sqlite?: Database.Database;
  /** A rollback that failed (its error would otherwise replace the one that caused it). */
  onRollbackError?: (err: unknown) => void;
}

const isBusy = (e: unknown) => typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('SQLITE_BUSY');

/**
 * Kysely's driver with two changes:
 * - A failed rollback never hides the error that caused it. SQLite rolls a transaction back by
 *   itself on SQLITE_FULL, SQLITE_IOERR …; the ROLLBACK that followed failed with "cannot
 *   rollback - no transaction is active", and that was what the log showed. On PostgreSQL a
 *   rollback fails when the connection died, and the pool drops such a connection on release.
 * - On SQLite a transaction takes the write lock when it begins (BEGIN IMMEDIATE), so the only
 *   place it can meet another process's lock is the BEGIN, which may be retried as a whole
 *   (store.ts) instead of waiting in busy_timeout on the event loop.
 */
class GuardedDriver implements Driver {
  constructor(private readonly inner: Driver, private readonly o: GuardOptions) {}

  init() {
    return this.inner.init();
  }
  acquireConnection() {
    return this.inner.acquireConnection();
  }
  async beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    if (!this.o.sqlite) return this.inner.beginTransaction(c, s);
    try {
      await c.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (e) {
      throw isBusy(e) ? new LockBusyAtBegin(e as Error) : e;
    }
  }
  commitTransaction(c: DatabaseConnection) {
    return this.inner.commitTransaction(c);
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    if (this.o.sqlite && !this.o.sqlite.inTransaction) return; // SQLite already rolled back itself
    try {
      await this.inner.rollbackTransaction(c);
    } catch (e) {
      this.o.onRollbackError?.(e);
    }
  }
  savepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]) {
    return this.inner.savepoint?.(c, name, compile) ?? Promise.reject(new Error('savepoints are not supported'));
  }
  rollbackToSavepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]) {
    return this.inner.rollbackToSavepoint?.(c, name, compile) ?? Promise.reject(new Error('savepoints are not supported'));
  }
  releaseSavepoint(c: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]) {
    return this.inner.releaseSavepoint?.(c, name, compile) ?? Promise.reject(new Error('savepoints are not supported'));
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(c);
  }
  destroy() {
    return this.inner.destroy();
  }
}

/** Wraps a Kysely dialect so that its driver is a GuardedDriver. */
export function guarded(d: Dialect, o: GuardOptions): Dialect {
  return {
    createAdapter: () => d.createAdapter(),
    createDriver: () => new GuardedDriver(d.createDriver(), o),
    createQueryCompiler: () => d.createQueryCompiler(),
    createIntrospector: (db) => d.createIntrospector(db),
  };
}
