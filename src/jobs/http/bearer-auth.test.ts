import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, tokenMatcher } from './bearer-auth.js';

describe('bearer auth', () => {
  it('tokenMatcher() accepts only the exact token', () => {
    const matches = tokenMatcher('s3cret-token');
    assert.equal(matches('s3cret-token'), true);
    assert.equal(matches('s3cret-token'), true);
    assert.equal(matches('s3cret-toke'), false);
    assert.equal(matches('s3cret-tokenX'), false);
    assert.equal(matches(''), false);
    assert.equal(matches('S3CRET-TOKEN'), false);
  });

  it('bearerToken() reads the Bearer scheme case-insensitively and nothing else', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer   abc'), 'abc');
    assert.equal(bearerToken('Basic YWxhZGRpbjpvcGVu'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
