export type HttpFailure =
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'timeout'; readonly message: string }
  | { readonly kind: 'status'; readonly status: number; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

export type HttpResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: HttpFailure };

export interface HttpOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  /** Largest body we read; a server that streams forever is cut off here. */
  readonly maxBytes?: number;
}

/**
 * One request with a hard deadline covering connect, headers and body. Never throws.
 * `unreachable`/`timeout` mean nothing answered; once status and headers arrived the server answered, and a
 * redirect (not followed: probing stays on the configured host), an error status or a body that breaks off
 * or stalls is a `status`/`invalid` failure, so callers can say "answered but …".
 */
export async function requestText(url: string, opts: HttpOptions): Promise<HttpResult<string>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), opts.timeoutMs);
  const onAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let answered = false;
  try {
    if (opts.signal?.aborted) return { ok: false, failure: { kind: 'unreachable', message: 'cancelled' } };
    const res = await fetch(url, {
      method: opts.method ?? 'GET',
      headers: { accept: 'application/json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: controller.signal,
      redirect: 'manual',
    });
    answered = true;
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const to = res.headers.get('location');
      return { ok: false, failure: { kind: 'status', status: res.status, message: `HTTP ${res.status} redirect${to ? ` to ${to}` : ''}` } };
    }
    const text = await readLimited(res, opts.maxBytes ?? 4 * 1024 * 1024);
    if (!res.ok) return { ok: false, failure: { kind: 'status', status: res.status, message: `HTTP ${res.status}` } };
    return { ok: true, value: text };
  } catch (err) {
    const cancelled = opts.signal?.aborted === true;
    if (controller.signal.aborted && !cancelled) {
      return answered
        ? { ok: false, failure: { kind: 'invalid', message: `the answer stalled mid-body (not finished within ${opts.timeoutMs} ms)` } }
        : { ok: false, failure: { kind: 'timeout', message: `no answer within ${opts.timeoutMs} ms` } };
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    const message = cause?.code ? cause.code : err instanceof Error ? err.message : String(err);
    if (answered && !cancelled) return { ok: false, failure: { kind: 'invalid', message: `the answer broke off mid-body (${message})` } };
    return { ok: false, failure: { kind: 'unreachable', message } };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function readLimited(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function requestJson(url: string, opts: HttpOptions): Promise<HttpResult<unknown>> {
  const r = await requestText(url, opts);
  if (!r.ok) return r;
  try {
    return { ok: true, value: JSON.parse(r.value) as unknown };
  } catch {
    return { ok: false, failure: { kind: 'invalid', message: 'answer is not JSON' } };
  }
}
