// Which hosts only this machine can reach: binding without a token, and the Host check that stops DNS rebinding.

import { isIP } from 'node:net';

/**
 * True for host names that only this machine can reach: `localhost`, `127.0.0.0/8`, `::1` (with or
 * without brackets) and IPv4-mapped loopback. `0.0.0.0` and `::` are every interface, not loopback.
 *
 * @example
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0');   // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(h) === 6 && (h === '::1' || h === '0:0:0:0:0:0:0:1');
}

/**
 * The host name of a `Host` header without its port (`[::1]:7700` → `::1`), lower-cased.
 *
 * @example
 * hostName('Localhost:7700'); // 'localhost'
 */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}
