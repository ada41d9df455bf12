// The HTTP API's error model: stable codes with their status, and the mapping from anything thrown to `{ error: { code, message } }`.

import { TaskServiceError } from '../service/task-service-error.js';
import { TaskStoreError } from '../store/task-store-error.js';

/**
 * Every `error.code` the API answers with; clients may switch on these, they never change meaning.
 *
 * @example
 * const retryable = (code: ApiErrorCode) => code === 'UNAVAILABLE' || code === 'INTERNAL';
 */
export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN_HOST'
  | 'NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_TASK_TYPE'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** The HTTP status of each code. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN_HOST: 403,
  NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_TASK_TYPE: 422,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/**
 * The JSON body of every error response.
 *
 * @example
 * const body = (await response.json()) as ApiErrorBody;
 * if (body.error.code === 'TASK_NOT_FOUND') console.log(body.error.message);
 */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/**
 * An error answered to the client as is: its `code` picks the status, its message is shown. Anything
 * else thrown in a handler becomes `500 INTERNAL` with a generic message, so no internals leak.
 *
 * @example
 * throw new ApiError('TASK_NOT_FOUND', `Task ${id} not found`);
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  get statusCode(): number {
    return API_ERROR_STATUS[this.code];
  }

  toJSON(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

// The task service's and task store's codes, whose messages are written for users.
const DOMAIN_CODES: ReadonlyMap<string, ApiErrorCode> = new Map<string, ApiErrorCode>([
  ['TASK_NOT_FOUND', 'TASK_NOT_FOUND'],
  ['UNKNOWN_TASK_TYPE', 'UNKNOWN_TASK_TYPE'],
  ['INVALID_TRANSITION', 'INVALID_TRANSITION'],
  ['SERVICE_CLOSED', 'UNAVAILABLE'],
]);

// fastify's own client errors, by their code.
const FASTIFY_CODES: ReadonlyMap<string, ApiErrorCode> = new Map<string, ApiErrorCode>([
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'BODY_TOO_LARGE'],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'VALIDATION_FAILED'],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', 'VALIDATION_FAILED'],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'VALIDATION_FAILED'],
  ['FST_ERR_BAD_URL', 'VALIDATION_FAILED'],
  ['FST_ERR_VALIDATION', 'VALIDATION_FAILED'],
]);

/**
 * Maps whatever a route threw to the error the client sees. Schema failures, bad JSON and body limits
 * come from fastify; `TASK_NOT_FOUND`/`UNKNOWN_TASK_TYPE`/`INVALID_TRANSITION` from the service (its
 * message is meant for users), and its `SERVICE_CLOSED` is `503 UNAVAILABLE`; any other error is `INTERNAL` and its message is not shown.
 *
 * @example
 * const { statusCode, body } = toApiError(new Error('boom'));
 * console.log(statusCode, body.error.code); // 500 'INTERNAL'
 */
export function toApiError(error: unknown): { statusCode: number; body: ApiErrorBody; internal: boolean } {
  if (error instanceof ApiError) return { statusCode: error.statusCode, body: error.toJSON(), internal: false };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const domain = error instanceof TaskServiceError || error instanceof TaskStoreError ? DOMAIN_CODES.get(code) : undefined;
      if (domain !== undefined) return known(domain, error.message);
      const mapped = FASTIFY_CODES.get(code);
      if (mapped !== undefined) return known(mapped, clientMessage(code, error.message));
    }
    // Schema failures: fastify sets `validation` and formats the message ("body/type must be string").
    if ('validation' in error && Array.isArray((error as { validation: unknown }).validation)) return known('VALIDATION_FAILED', error.message);
    // Any other client error fastify raises (its codes start with FST_) carries a 4xx status and a message fit for clients.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof code === 'string' && code.startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500) {
      return known(status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', error.message);
    }
  }
  return { statusCode: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error' } }, internal: true };
}

function known(code: ApiErrorCode, message: string): { statusCode: number; body: ApiErrorBody; internal: boolean } {
  return { statusCode: API_ERROR_STATUS[code], body: { error: { code, message } }, internal: false };
}

function clientMessage(code: string, message: string): string {
  // secure-json-parse also refuses `__proto__` and `constructor.prototype` keys under this code.
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'Body is not valid JSON (or holds a __proto__ key)';
  return message;
}
