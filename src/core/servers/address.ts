/** Where a server is: its root URL, and whether it is on this machine or the local network. */

/** `user:password@` after a URL's scheme, wherever it appears in a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"`]+@/gi;

/** A text with every URL's `user:password@` replaced by `***@`: for every message, log line and output. */
export function redactCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** A log (the editor's output channel) whose every string argument is redacted before it is written. */
export function redactingLog<T extends object>(log: T): T {
  return new Proxy(log, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args.map((a) => (typeof a === 'string' ? redactCredentials(a) : a instanceof Error ? redactCredentials(a.stack ?? a.message) : a)));
    },
  });
}

/** Whether a URL carries `user:password@`: such a URL is not contacted (we would have to send the password). */
export function hasUrlCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/** Why a URL with credentials was not used, naming it without them. */
export function credentialsRefusal(url: string): string {
  return `${redactCredentials(url)} carries a user name and password in the URL, which Local AI Lab never sends, so it was not contacted; give the server's key as the provider's apiKey instead`;
}

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

const CLOUD_METADATA = new Set(['169.254.169.254', '169.254.170.2', '169.254.169.123', 'fd00:ec2::254', 'metadata', 'metadata.google.internal']);

/**
 * Only servers on this machine or the local network are probed; a hosted API is never contacted.
 * Loopback, RFC 1918, link-local, `.local` (mDNS) and single-label host names count as local.
 */
export function isLocalServer(baseUrl: string): boolean {
  const host = hostOf(baseUrl);
  if (host === undefined) return false;
  // A cloud's instance-metadata service answers on a link-local address (and as `metadata` on GCP): it hands out
  // credentials, so it is never a model server we probe or send a key to.
  if (CLOUD_METADATA.has(host)) return false;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host === '::1' || host === '0.0.0.0') return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (host.startsWith('fe80:') || host.startsWith('fd') || host.startsWith('fc')) return host.includes(':');
  return !host.includes('.') && !host.includes(':');
}

/**
 * A host name of one label (`gpu-box`): local by our rule, but the resolver's search domains may turn it into a
 * host anywhere, so a secret from the environment is not sent to it on that rule alone (lab session.ts).
 */
export function isSingleLabelHost(baseUrl: string): boolean {
  const host = hostOf(baseUrl);
  return host !== undefined && host !== 'localhost' && !host.includes('.') && !host.includes(':') && !/^\d+$/.test(host);
}

/** A URL's host name, lower case, an IPv6 address without its brackets; undefined when the URL does not parse. */
function hostOf(baseUrl: string): string | undefined {
  try {
    return new URL(baseUrl).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}
