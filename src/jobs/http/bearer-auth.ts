// Bearer-token authentication: parsing the header and comparing the token in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of candidates against `token`, in time that depends on neither: both sides are SHA-256
 * digests (the token's computed once), so the comparison leaks neither a matching prefix nor the
 * token's length.
 *
 * @example
 * const matches = tokenMatcher('s3cret');
 * matches('s3cret'); // true
 */
export function tokenMatcher(token: string): (candidate: string) => boolean {
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (candidate) => timingSafeEqual(createHash('sha256').update(candidate, 'utf8').digest(), expected);
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
