import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternTokens, topicMatches, topicTokens } from './topic-pattern.js';
import { TopicTrie } from './topic-trie.js';

// A small deterministic PRNG so a failure reproduces.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TopicTrie', () => {
  it('TopicTrie.match() agrees with topicMatches() on random patterns and topics, across removals', () => {
    const rnd = random(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const words = ['a', 'b', 'c'];
    const makeTopic = () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(words)).join('.');
    const makePattern = () => {
      const n = 1 + Math.floor(rnd() * 4);
      const tokens = Array.from({ length: n }, () => pick([...words, '*']));
      if (rnd() < 0.3) tokens[n - 1] = '>';
      return tokens.join('.');
    };
    const trie = new TopicTrie<number>();
    const patterns = Array.from({ length: 200 }, makePattern);
    patterns.forEach((p, i) => trie.add(patternTokens(p), i));
    const check = (live: Set<number>) => {
      for (let k = 0; k < 300; k++) {
        const topic = makeTopic();
        const got = [...trie.match(topic, topicTokens(topic))].sort((x, y) => x - y);
        const want = [...live].filter((i) => topicMatches(patterns[i]!, topic)).sort((x, y) => x - y);
        assert.deepEqual(got, want, topic);
      }
    };
    const live = new Set(patterns.keys());
    check(live);
    for (let i = 0; i < patterns.length; i += 2) {
      assert.equal(trie.remove(patternTokens(patterns[i]!), i), true);
      live.delete(i);
    }
    check(live);
    assert.equal(trie.size, live.size);
  });

  it('TopicTrie.remove() returns false for an absent value and leaves no cached stale result', () => {
    const trie = new TopicTrie<string>();
    trie.add(['a', '*'], 'x');
    assert.deepEqual(trie.match('a.b', ['a', 'b']), ['x']);
    assert.equal(trie.remove(['a', '*'], 'y'), false);
    assert.equal(trie.remove(['a', 'b', 'c'], 'x'), false);
    assert.equal(trie.remove(['a', '*'], 'x'), true);
    assert.deepEqual(trie.match('a.b', ['a', 'b']), []);
    assert.equal(trie.size, 0);
  });
});
