import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coerceIntegers } from './api-route.js';

describe('coerceIntegers', () => {
  it('coerceIntegers() turns decimal integer strings of the named parameters into numbers', () => {
    assert.deepEqual(coerceIntegers({ limit: '20', after: '-3', cursor: '7' }, ['limit', 'after']), { limit: 20, after: -3, cursor: '7' });
  });

  it('coerceIntegers() leaves anything else for the schema to refuse', () => {
    assert.deepEqual(coerceIntegers({ limit: '2.5' }, ['limit']), { limit: '2.5' });
    assert.deepEqual(coerceIntegers({ limit: '1e3' }, ['limit']), { limit: '1e3' });
    assert.deepEqual(coerceIntegers({ limit: ['1', '2'] }, ['limit']), { limit: ['1', '2'] });
    assert.deepEqual(coerceIntegers({ limit: '99999999999999999999' }, ['limit']), { limit: '99999999999999999999' });
    assert.equal(coerceIntegers(undefined, ['limit']), undefined);
  });
});
