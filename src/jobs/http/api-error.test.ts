import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskServiceError } from '../service/task-service-error.js';
import { TaskStoreError } from '../store/task-store-error.js';
import { API_ERROR_STATUS, ApiError, toApiError } from './api-error.js';

describe('toApiError', () => {
  it('toApiError() keeps an ApiError’s code, status and message', () => {
    const mapped = toApiError(new ApiError('TASK_NOT_FOUND', 'Task X not found'));
    assert.deepEqual(mapped, { statusCode: 404, body: { error: { code: 'TASK_NOT_FOUND', message: 'Task X not found' } }, internal: false });
  });

  it('toApiError() maps the service’s and the store’s codes to their statuses', () => {
    assert.equal(toApiError(new TaskServiceError('UNKNOWN_TASK_TYPE', 'no such type')).statusCode, 422);
    assert.equal(toApiError(new TaskServiceError('INVALID_TRANSITION', 'finished')).statusCode, 409);
    assert.equal(toApiError(new TaskServiceError('TASK_NOT_FOUND', 'gone')).statusCode, 404);
    const closed = toApiError(new TaskServiceError('SERVICE_CLOSED', 'closed'));
    assert.deepEqual([closed.statusCode, closed.body.error.code], [503, 'UNAVAILABLE']);
    const store = toApiError(new TaskStoreError('INVALID_TRANSITION', 'T1', { status: 'succeeded', request: 'cancel' }));
    assert.deepEqual([store.statusCode, store.body.error.code, store.body.error.message], [409, 'INVALID_TRANSITION', 'Cannot cancel task T1 while it is succeeded']);
  });

  it('toApiError() hides the message of anything unexpected behind 500 INTERNAL', () => {
    const mapped = toApiError(new TypeError('Cannot read properties of undefined (reading secret)'));
    assert.deepEqual(mapped, { statusCode: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error' } }, internal: true });
    assert.equal(toApiError('a string').statusCode, 500);
    assert.equal(toApiError(undefined).statusCode, 500);
  });

  it('toApiError() does not trust a domain-looking code on a foreign error', () => {
    const spoof = Object.assign(new Error('internal detail'), { code: 'TASK_NOT_FOUND', name: 'TaskServiceError' });
    assert.equal(toApiError(spoof).body.error.code, 'INTERNAL');
    const proto = Object.assign(new Error('x'), { code: 'toString' });
    assert.equal(toApiError(proto).body.error.code, 'INTERNAL');
  });

  it('toApiError() maps fastify’s body errors to BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE and VALIDATION_FAILED', () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    assert.deepEqual([toApiError(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413)).statusCode, toApiError(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413)).body.error.code], [413, 'BODY_TOO_LARGE']);
    assert.equal(toApiError(fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const json = toApiError(fst('FST_ERR_CTP_INVALID_JSON_BODY', 400));
    assert.deepEqual([json.statusCode, json.body.error.code], [400, 'VALIDATION_FAILED']);
    assert.match(json.body.error.message, /not valid JSON/);
    assert.equal(toApiError(fst('FST_ERR_SOMETHING_NEW', 400)).body.error.code, 'VALIDATION_FAILED');
    assert.equal(toApiError(fst('FST_ERR_SOMETHING_NEW', 500)).body.error.code, 'INTERNAL');
  });

  it('toApiError() reports a schema failure with fastify’s message', () => {
    const error = Object.assign(new Error('body/type must be string'), { validation: [{}], statusCode: 400 });
    assert.deepEqual(toApiError(error).body, { error: { code: 'VALIDATION_FAILED', message: 'body/type must be string' } });
  });

  it('API_ERROR_STATUS gives every code a 4xx or 5xx status', () => {
    for (const [code, status] of Object.entries(API_ERROR_STATUS)) assert.ok(status >= 400 && status < 600, code);
  });
});
