// A token trie from subscription patterns to subscribers, with a result cache: the bus's matcher (NATS's sublist design).

interface TrieNode<V> {
  /** Children keyed by literal token. */
  readonly literal: Map<string, TrieNode<V>>;
  /** The `*` child, when some pattern has a `*` here. */
  star: TrieNode<V> | undefined;
  /** Values whose pattern ends exactly at this node. */
  readonly here: Set<V>;
  /** Values whose pattern ends with `>` right after this node: they match any one-or-more further tokens. */
  readonly rest: Set<V>;
}

const CACHE_LIMIT = 4096;

/**
 * Maps validated pattern tokens to values and answers "which values match this topic" in time
 * proportional to the topic's length and the number of matching branches, not to the number of
 * patterns. Results are cached per topic string; any add or remove clears the cache, so a cached
 * array is always exactly the current answer (callers must not mutate it).
 *
 * Internal: the bus validates tokens before calling in.
 */
export class TopicTrie<V> {
  #root: TrieNode<V> = node();
  #cache = new Map<string, readonly V[]>();
  #size = 0;

  /** Number of values stored. */
  get size(): number {
    return this.#size;
  }

  add(pattern: readonly string[], value: V): void {
    let at = this.#root;
    const last = pattern.length - 1;
    for (let i = 0; i < last; i++) at = child(at, pattern[i]!);
    const end = pattern[last]!;
    if (end === '>') at.rest.add(value);
    else child(at, end).here.add(value);
    this.#size++;
    this.#cache.clear();
  }

  /** Removes `value` stored under `pattern` and prunes branches left empty; false if it was not there. */
  remove(pattern: readonly string[], value: V): boolean {
    const path: TrieNode<V>[] = [this.#root];
    const last = pattern.length - 1;
    let at: TrieNode<V> | undefined = this.#root;
    for (let i = 0; i < last && at; i++) {
      at = step(at, pattern[i]!);
      if (at) path.push(at);
    }
    if (!at) return false;
    const end = pattern[last]!;
    let removed: boolean;
    if (end === '>') {
      removed = at.rest.delete(value);
    } else {
      const leaf = step(at, end);
      removed = leaf?.here.delete(value) ?? false;
      if (leaf) path.push(leaf);
    }
    if (!removed) return false;
    this.#size--;
    this.#cache.clear();
    // Prune from the leaf upward: path[i] hangs off path[i - 1] under pattern[i - 1].
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i]!;
      if (n.here.size > 0 || n.rest.size > 0 || n.literal.size > 0 || n.star) break;
      const parent = path[i - 1]!;
      const token = pattern[i - 1]!;
      if (token === '*') parent.star = undefined;
      else parent.literal.delete(token);
    }
    return true;
  }

  /** Values whose pattern matches `topic` (already split into `tokens`); cached until the next change. */
  match(topic: string, tokens: readonly string[]): readonly V[] {
    const hit = this.#cache.get(topic);
    if (hit) return hit;
    const out: V[] = [];
    collect(this.#root, tokens, 0, out);
    // Crude bound (NATS evicts at random): a burst of distinct topics must not grow memory without limit.
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(topic, out);
    return out;
  }

  /** The cached result for `topic`, if any: lets the bus skip splitting and validating a topic seen before. */
  cached(topic: string): readonly V[] | undefined {
    return this.#cache.get(topic);
  }
}

function node<V>(): TrieNode<V> {
  return { literal: new Map(), star: undefined, here: new Set(), rest: new Set() };
}

function step<V>(at: TrieNode<V>, token: string): TrieNode<V> | undefined {
  return token === '*' ? at.star : at.literal.get(token);
}

function child<V>(at: TrieNode<V>, token: string): TrieNode<V> {
  if (token === '*') return (at.star ??= node());
  let next = at.literal.get(token);
  if (!next) at.literal.set(token, (next = node()));
  return next;
}

function collect<V>(at: TrieNode<V>, tokens: readonly string[], i: number, out: V[]): void {
  // A `>` ending here needs at least one more token.
  if (at.rest.size > 0 && i < tokens.length) for (const v of at.rest) out.push(v);
  if (i === tokens.length) {
    for (const v of at.here) out.push(v);
    return;
  }
  const token = tokens[i]!;
  const lit = at.literal.get(token);
  if (lit) collect(lit, tokens, i + 1, out);
  if (at.star) collect(at.star, tokens, i + 1, out);
}
