// Finds where in a value the part that cannot be structured-cloned sits, for a precise TypeError.

/** Where a value is going, used in the message: "cannot be sent to a thread". */
export type Destination = 'a thread' | 'a process' | 'an isolated task' | 'the caller' | 'the host';

/**
 * Walks `value` and describes the first part that cannot be sent, e.g.
 * `args[1].onDone is a function and cannot be sent to a thread`. Only called after a send failed,
 * so the hot path never pays for the walk. Returns `undefined` when nothing suspicious is found.
 */
export function describeUnsendable(value: unknown, root: string, destination: Destination): string | undefined {
  const found = find(value, root, destination, new Set());
  return found === undefined ? undefined : `${found.path} ${found.what} and cannot be sent to ${destination}`;
}

/** Builds the TypeError for a value that failed to send, naming its path when it can be found. */
export function unsendableError(value: unknown, root: string, destination: Destination, cause: unknown): TypeError {
  const message =
    describeUnsendable(value, root, destination) ??
    `${root} cannot be sent to ${destination}: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new TypeError(message, { cause });
}

interface Found {
  path: string;
  what: string;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function find(value: unknown, path: string, destination: Destination, seen: Set<object>): Found | undefined {
  switch (typeof value) {
    case 'function':
      return { path, what: 'is a function' };
    case 'symbol':
      return { path, what: 'is a symbol' };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer) {
    return destination === 'a process' ? { path, what: 'is a SharedArrayBuffer' } : undefined;
  }
  if (ArrayBuffer.isView(value) && typeof SharedArrayBuffer !== 'undefined' && value.buffer instanceof SharedArrayBuffer) {
    return destination === 'a process' ? { path, what: 'is a view of a SharedArrayBuffer' } : undefined;
  }
  if (value instanceof Promise) return { path, what: 'is a Promise' };
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    return { path, what: `is a ${value.constructor.name}` };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = find(value[i], `${path}[${i}]`, destination, seen);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value instanceof Map) {
    let i = 0;
    for (const [k, v] of value) {
      const hit = find(k, `${path}.keys()[${i}]`, destination, seen) ?? find(v, `${path}.get(${label(k)})`, destination, seen);
      if (hit) return hit;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const hit = find(v, `${path}.values()[${i}]`, destination, seen);
      if (hit) return hit;
      i++;
    }
    return undefined;
  }
  if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return undefined;
  if (value instanceof Error) return undefined;
  for (const key of Object.keys(value)) {
    const hit = find((value as Record<string, unknown>)[key], IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, destination, seen);
    if (hit) return hit;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null && isPlatformObject(value)) {
    // Platform objects (MessagePort, streams, sockets, …) cannot be cloned as plain objects.
    return { path, what: `is a ${value.constructor.name}` };
  }
  return undefined;
}

function label(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

function isPlatformObject(value: object): boolean {
  try {
    structuredClone(value);
    return false;
  } catch {
    return true;
  }
}
