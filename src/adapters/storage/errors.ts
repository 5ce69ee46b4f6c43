/** The database cannot be used. The message names the variable, the place and the cause (never a password). */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** A command that needs the database, pointed at a SQLite file that is not there. */
export const noSqliteDatabase = (variable: string, file: string): StorageError =>
  new StorageError(`${variable}: no patd database at ${file}; point ${variable} at the one "patd serve" uses, or create it with "patd migrate"`);
