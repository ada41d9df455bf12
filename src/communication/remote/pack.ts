// Packs values for a link: objects that cannot be cloned but can be proxied (channels, actor refs, buses) become markers.

/**
 * The brand an object carries when it can cross a link as a proxy instead of a copy: its value is
 * the name of the codec that exports it (see `Peer.registerCodec`). A getter on the prototype is
 * enough, so branding costs nothing per instance.
 */
export const REMOTABLE: unique symbol = Symbol.for('braid.remotable') as never;

/** A branded object. */
export interface Remotable {
  readonly [REMOTABLE]: string;
}

/** Key of a packed value's wrapper and of a marker. A NUL-prefixed key cannot clash with data in practice. */
export const PACKED = '\u0000braid.packed';
export const MARK = '\u0000braid.ref';

/** Replaces one branded object with a marker (a plain, cloneable object); provided by the peer. */
export type MarkerOf = (obj: Remotable, codec: string) => object;
/** Turns a marker back into an object (a proxy, or the original when it comes home); provided by the peer. */
export type Revive = (marker: Record<string, unknown>) => unknown;

/** Thrown inside the walk at a function or symbol; the caller turns it into a TypeError naming the path. */
export class Unsendable extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

// Below this depth the walk keeps no memory of what it has seen; past it (deep or cyclic data) it does.
const SHALLOW = 32;

/**
 * Copy-on-write walk: returns `value` itself when it holds no branded object, else a copy in which
 * each branded object is its marker. Throws `Unsendable` at a function or symbol, which structured
 * clone would refuse anyway, so the error can surface at the call rather than when a batch is posted.
 * Descends into arrays, plain objects, Maps and Sets; leaves typed arrays, buffers, dates, regexps
 * and errors as they are.
 */
export function encode(value: unknown, marker: MarkerOf): unknown {
  return walk(value, marker, 0, undefined);
}

function walk(value: unknown, marker: MarkerOf, depth: number, seen: Set<object> | undefined): unknown {
  const type = typeof value;
  if (type !== 'object') {
    if (type === 'function') throw new Unsendable('is a function');
    if (type === 'symbol') throw new Unsendable('is a symbol');
    return value;
  }
  if (value === null) return value;
  const obj = value as Record<PropertyKey, unknown>;
  const codec = obj[REMOTABLE];
  if (typeof codec === 'string') return marker(obj as unknown as Remotable, codec);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp || obj instanceof Error) return value;
  if (depth >= SHALLOW) {
    seen ??= new Set();
    if (seen.has(obj)) return value; // a cycle: already being walked above
    seen.add(obj);
  }
  const next = depth + 1;
  if (Array.isArray(obj)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < obj.length; i++) {
      const item = obj[i];
      if (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol') continue;
      const encoded = walk(item, marker, next, seen);
      if (encoded !== item) (out ??= obj.slice())[i] = encoded;
    }
    return out ?? value;
  }
  if (obj instanceof Map) {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [k, v] of obj) {
      const ek = walk(k, marker, next, seen);
      const ev = walk(v, marker, next, seen);
      if (ek !== k || ev !== v) changed = true;
      entries.push([ek, ev]);
    }
    return changed ? new Map(entries) : value;
  }
  if (obj instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const v of obj) {
      const ev = walk(v, marker, next, seen);
      if (ev !== v) changed = true;
      items.push(ev);
    }
    return changed ? new Set(items) : value;
  }
  // Plain objects, and class instances, which structured clone copies as plain objects anyway.
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const item = obj[key];
    if (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol') continue;
    const encoded = walk(item, marker, next, seen);
    if (encoded !== item) (out ??= { ...obj })[key] = encoded;
  }
  return out ?? value;
}

/**
 * Wraps an encoded value that holds markers, so the receiver knows to revive it (one property test
 * for everything else). `encoded === original` means there is nothing to revive.
 */
export function wrap(original: unknown, encoded: unknown): unknown {
  return encoded === original ? original : { [PACKED]: encoded };
}

/** The receiving side of `wrap(encode(…))`: revives markers in place (the value is a fresh clone). */
export function unwrap(value: unknown, revive: Revive): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, PACKED)) return value;
  return reviveIn((value as Record<string, unknown>)[PACKED], revive, 0, undefined);
}

function reviveIn(value: unknown, revive: Revive, depth: number, seen: Set<object> | undefined): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (Object.hasOwn(obj, MARK)) return revive(obj);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp || obj instanceof Error) return value;
  if (depth >= SHALLOW) {
    seen ??= new Set();
    if (seen.has(obj)) return value;
    seen.add(obj);
  }
  const next = depth + 1;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) obj[i] = reviveIn(obj[i], revive, next, seen);
    return obj;
  }
  if (obj instanceof Map) {
    const entries = [...obj].map(([k, v]) => [reviveIn(k, revive, next, seen), reviveIn(v, revive, next, seen)] as const);
    obj.clear();
    for (const [k, v] of entries) obj.set(k, v);
    return obj;
  }
  if (obj instanceof Set) {
    const items = [...obj].map((v) => reviveIn(v, revive, next, seen));
    obj.clear();
    for (const v of items) obj.add(v);
    return obj;
  }
  for (const key of Object.keys(obj)) obj[key] = reviveIn(obj[key], revive, next, seen);
  return obj;
}
