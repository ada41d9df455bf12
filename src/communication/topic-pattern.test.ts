import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternTokens, topicMatches, topicTokens } from './topic-pattern.js';

describe('topicMatches', () => {
  const table: [pattern: string, topic: string, expected: boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.c', false],
    ['a.*.c', 'a.b.b.c', false],
    ['a.*.c', 'a.b.d', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['a.>', 'b.c', false],
    ['>', 'a', true],
    ['>', 'a.b.c', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.*', 'a.b', true],
    ['*.>', 'a', false],
    ['*.>', 'a.b', true],
    ['a.*.>', 'a.b', false],
    ['a.*.>', 'a.b.c', true],
    ['a*', 'a*', true], // a wildcard character inside a longer token is literal, as in NATS
    ['a*', 'ab', false],
  ];
  for (const [pattern, topic, expected] of table) {
    it(`topicMatches() says ${pattern} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      assert.equal(topicMatches(pattern, topic), expected);
    });
  }
});

describe('topicTokens', () => {
  it('topicTokens() splits a valid topic on dots', () => {
    assert.deepEqual(topicTokens('orders.eu.created'), ['orders', 'eu', 'created']);
    assert.deepEqual(topicTokens('a*.b>'), ['a*', 'b>']);
  });

  it('topicTokens() rejects wildcards, empty tokens, whitespace and non-strings naming the argument', () => {
    for (const bad of ['a.*', '>', 'a.>', '*']) assert.throws(() => topicTokens(bad), { name: 'RangeError', message: /^topic must not contain wildcards/ });
    for (const bad of ['', '.', 'a.', '.a', 'a..b']) assert.throws(() => topicTokens(bad), { name: 'RangeError', message: /^topic must be dot-separated non-empty tokens/ });
    for (const bad of ['a b', 'a.\tb', 'a\n']) assert.throws(() => topicTokens(bad), { name: 'RangeError', message: /^topic must not contain whitespace/ });
    assert.throws(() => topicTokens(42), { name: 'TypeError', message: 'topic must be a string, got number' });
  });
});

describe('patternTokens', () => {
  it('patternTokens() accepts * anywhere and > last', () => {
    assert.deepEqual(patternTokens('*.b.>'), ['*', 'b', '>']);
    assert.deepEqual(patternTokens('>'), ['>']);
  });

  it('patternTokens() rejects > before the end, empty tokens and non-strings naming the argument', () => {
    assert.throws(() => patternTokens('a.>.b'), { name: 'RangeError', message: /^pattern may use > only as its last token/ });
    assert.throws(() => patternTokens('>.>'), { name: 'RangeError', message: /^pattern may use > only/ });
    assert.throws(() => patternTokens('a..*'), { name: 'RangeError', message: /^pattern must be dot-separated/ });
    assert.throws(() => patternTokens(undefined), { name: 'TypeError', message: /^pattern must be a string/ });
  });
});
