import { randomBytes } from 'node:crypto';

const INSTANCE = randomBytes(3).toString('hex');
let requests = 0;

/** A request id unique to this process (`req_<instance><n>`): Fastify's genReqId and the hot path share it. */
export const nextRequestId = (): string => `req_${INSTANCE}${(++requests).toString(36)}`;
