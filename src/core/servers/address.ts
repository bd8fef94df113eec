/** Where a server is: its root URL, and whether it is on this machine or the local network. */

/** Where a provider's server answers: the origin, with any path before `/v1` kept (reverse proxies). */
export function serverRoot(baseUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const prefix = u.pathname.replace(/\/+$/, '').replace(/\/(v1|api)$/, '');
  return `${u.protocol}//${u.host}${prefix}`;
}

/**
 * Only servers on this machine or the local network are probed; a hosted API is never contacted.
 * Loopback, RFC 1918, link-local, `.local` (mDNS) and single-label host names count as local.
 */
export function isLocalServer(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host === '::1' || host === '0.0.0.0') return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (host.startsWith('fe80:') || host.startsWith('fd') || host.startsWith('fc')) return host.includes(':');
  return !host.includes('.') && !host.includes(':');
}
