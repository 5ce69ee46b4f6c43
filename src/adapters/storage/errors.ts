/** The database cannot be used. The message names the variable, the place and the cause (never a password). */
export class StorageError extends Error {
  override name = 'StorageError';
}
