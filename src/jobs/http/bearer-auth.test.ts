import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, tokenMatches } from './bearer-auth.js';

describe('bearer auth', () => {
  it('tokenMatches() is true only for the exact token', () => {
    assert.equal(tokenMatches('s3cret-token', 's3cret-token'), true);
    assert.equal(tokenMatches('s3cret-toke', 's3cret-token'), false);
    assert.equal(tokenMatches('s3cret-tokenX', 's3cret-token'), false);
    assert.equal(tokenMatches('', 's3cret-token'), false);
    assert.equal(tokenMatches('S3CRET-TOKEN', 's3cret-token'), false);
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
