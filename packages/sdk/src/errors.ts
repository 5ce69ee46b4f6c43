/** Why a call to patd failed (as opposed to patd answering "this token is not active"). */
export type PatdErrorCode =
  /** patd could not be reached, or did not answer in time. */
  | 'network_error'
  /** patd refused the resource server's own client id / secret (HTTP 401). */
  | 'invalid_client'
  /** patd answered with another unexpected HTTP status. */
  | 'bad_status'
  /** patd answered 200 with a body that is not a valid introspection response. */
  | 'bad_response'
  /** The verifier was closed. */
  | 'closed';

/**
 * Thrown by `verify()` when patd cannot give an answer. Never cached: the next call retries.
 * Its message never contains the token.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof PatdError) console.error(err.code, err.status);
 * }
 * ```
 */
export class PatdError extends Error {
  readonly code: PatdErrorCode;
  /** HTTP status patd answered with, when it answered. */
  readonly status: number | undefined;

  constructor(code: PatdErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatdError';
    this.code = code;
    this.status = options.status;
  }
}
