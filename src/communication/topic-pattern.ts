// Bus topic and subscription-pattern syntax (NATS subject rules), split into tokens once and validated at the boundary.

/**
 * Splits a publish topic into its tokens, or throws naming `name`.
 *
 * A topic is one or more dot-separated tokens; a token is non-empty, holds no whitespace, and is not a
 * wildcard (`*` or `>`): exactly the NATS rules for a publish subject, so the bus can later be carried
 * over NATS unchanged. `*` or `>` inside a longer token (`a*`) is a literal character, as in NATS.
 *
 * @example
 * topicTokens('orders.eu.created'); // ['orders', 'eu', 'created']
 * topicTokens('orders.*');          // throws RangeError: topic must not contain wildcards ...
 */
export function topicTokens(topic: unknown, name = 'topic'): string[] {
  const tokens = syntaxTokens(topic, name);
  for (const token of tokens) {
    if (token === '*' || token === '>') {
      throw new RangeError(`${name} must not contain wildcards (* or >), got ${JSON.stringify(topic)}`);
    }
  }
  return tokens;
}

/**
 * Splits a subscription pattern into its tokens, or throws naming `name`.
 *
 * A pattern is a topic whose tokens may also be `*` (exactly one token) or, as the last token only,
 * `>` (one or more trailing tokens). `a.*.c` matches `a.b.c`; `a.>` matches `a.b` and `a.b.c`, not `a`.
 *
 * @example
 * patternTokens('orders.*.created'); // ['orders', '*', 'created']
 * patternTokens('orders.>.eu');      // throws RangeError: pattern may use > only as its last token ...
 */
export function patternTokens(pattern: unknown, name = 'pattern'): string[] {
  const tokens = syntaxTokens(pattern, name);
  const last = tokens.length - 1;
  for (let i = 0; i < last; i++) {
    if (tokens[i] === '>') {
      throw new RangeError(`${name} may use > only as its last token, got ${JSON.stringify(pattern)}`);
    }
  }
  return tokens;
}

/**
 * Whether `topic` matches `pattern` by the rules above: the reference semantics that the bus's trie
 * implements faster. Both arguments are validated.
 *
 * @example
 * topicMatches('a.*.c', 'a.b.c'); // true
 * topicMatches('a.>', 'a');       // false
 */
export function topicMatches(pattern: string, topic: string): boolean {
  const p = patternTokens(pattern);
  const t = topicTokens(topic);
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return t.length > i;
    if (i >= t.length) return false;
    if (token !== '*' && token !== t[i]) return false;
  }
  return p.length === t.length;
}

// Whitespace is forbidden anywhere (NATS splits protocol lines on it); empty tokens come from leading,
// trailing or doubled dots.
const WHITESPACE = /\s/;

function syntaxTokens(value: unknown, name: string): string[] {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${typeof value}`);
  if (WHITESPACE.test(value)) throw new RangeError(`${name} must not contain whitespace, got ${JSON.stringify(value)}`);
  const tokens = value.split('.');
  for (const token of tokens) {
    if (token.length === 0) {
      throw new RangeError(`${name} must be dot-separated non-empty tokens, got ${JSON.stringify(value)}`);
    }
  }
  return tokens;
}
