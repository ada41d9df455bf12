// Bearer-token authentication: parsing the header and comparing the token in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `candidate` equals `token`, in time that depends on neither: both are hashed first, so
 * the comparison leaks neither the matching prefix nor the token's length.
 *
 * @example
 * tokenMatches('s3cret', 's3cret'); // true
 */
export function tokenMatches(candidate: string, token: string): boolean {
  const a = createHash('sha256').update(candidate, 'utf8').digest();
  const b = createHash('sha256').update(token, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined when the header is absent or
 * another scheme (the scheme name is case-insensitive, per RFC 7235).
 *
 * @example
 * bearerToken('Bearer abc'); // 'abc'
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match?.[1];
}
