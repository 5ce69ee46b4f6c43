export { createVerifier } from './verifier.js';
export { PatdError, type PatdErrorCode } from './errors.js';
export { hasScope, inOrg } from './scopes.js';
export { extractToken, parseAuthorization, type Credentials } from './credentials.js';
export {
  authorizeRequest,
  type Authorization,
  type OrgOption,
  type Problem,
  type ProblemCode,
  type ProblemDetails,
  type RequireOptions,
} from './access.js';
export {
  requireToken,
  sendProblem,
  type Middleware,
  type NodeLikeRequest,
  type NodeLikeResponse,
  type RequireTokenOptions,
} from './express.js';
export {
  fastifyRequireToken,
  patdFastify,
  type FastifyLikeInstance,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  type PatdFastifyOptions,
  type PatdPreHandler,
  type PatdRequire,
} from './fastify.js';
export type {
  ActiveResult,
  FetchLike,
  InactiveResult,
  Verifier,
  VerifierOptions,
  VerifyOptions,
  VerifyResult,
} from './types.js';
