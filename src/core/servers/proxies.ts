import fs from 'node:fs';
import * as z from 'zod/mini';
import { isOnThisMachine, PortWatcher, portOf } from '../lab/timeline/host.js';
import { requestJson } from './http.js';
import type { CompressionProxyFacts, ServerState } from './types.js';

/**
 * A compression proxy where a provider's baseUrl points (reference/compression.md): Headroom answers `GET /health`
 * (and `/livez`, `/readyz`) with `service: "headroom-proxy"` (headroom/proxy/server.py `_health_payload`, `livez`),
 * and forwards the model paths to the server behind it, so it must be recognised before the model servers' own
 * identification; /health is already in that round.
 *
 * What it runs with is read, in order, from:
 * - its own report, `GET /stats`: `cache` and `rate_limiter` are null when off (`_build_stats_payload`);
 * - the listening process's argv on this machine (/proc, via the port's socket): `headroom proxy` flags, a flag's
 *   absence being its default (mode token, retrieve tool injected, no extra protected tools).
 * A declared proxy's command (lab.proxies) is not a source here: the lab fills its `{port}` per arm, so a standing
 * proxy at a provider's baseUrl is not one of them.
 */

export const HeadroomHealthSchema = z.looseObject({ service: z.literal('headroom-proxy') });

const StatsSchema = z.looseObject({ cache: z.optional(z.unknown()), rate_limiter: z.optional(z.unknown()) });

/** `headroom proxy` flags from an argv (anything before the `proxy` verb is the interpreter and the program). */
export function headroomArgvFacts(argv: readonly string[]): Omit<CompressionProxyFacts, 'product' | 'pid'> | undefined {
  const at = argv.indexOf('proxy');
  if (at < 0) return undefined;
  const args = argv.slice(at + 1);
  const value = (flag: string): string | undefined => {
    for (let i = args.length - 1; i >= 0; i--) {
      if (args[i] === flag) return args[i + 1];
      if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
    }
    return undefined;
  };
  const has = (flag: string) => args.includes(flag);
  const lossless = has('--lossless');
  const protect = args.flatMap((a, i) => (a === '--protect-tool-results' ? [args[i + 1] ?? ''] : a.startsWith('--protect-tool-results=') ? [a.slice(23)] : [])).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const argv_ = <T>(v: T) => ({ value: v, source: 'argv' as const });
  return {
    cache: argv_(!has('--no-cache')),
    rateLimit: argv_(!has('--no-rate-limit')),
    mode: argv_(value('--mode') ?? 'token'),
    injectsRetrieveTool: argv_(!lossless && !has('--no-ccr-inject-tool')),
    protectedTools: argv_(protect),
    lossless: argv_(lossless),
  };
}

/** The argv of the process listening on `baseUrl`'s port, when it is on this machine and we may read it. */
async function listenerArgv(baseUrl: string): Promise<{ pid: number; argv: string[] } | undefined> {
  if (process.platform !== 'linux' || !isOnThisMachine(baseUrl)) return undefined;
  const port = portOf(baseUrl);
  if (!port) return undefined;
  const { pid } = await new PortWatcher(port).sample();
  if (pid === null) return undefined;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, argv };
  } catch {
    return undefined;
  }
}

/** The proxy's state: reachable (it answered /livez), nothing known of what the server behind it loaded, and its settings. */
export async function readHeadroom(baseUrl: string, root: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ServerState> {
  const [stats, listener] = await Promise.all([requestJson(root + '/stats', { timeoutMs: opts.timeoutMs, signal: opts.signal }), listenerArgv(baseUrl).catch(() => undefined)]);
  const fromArgv = listener ? headroomArgvFacts(listener.argv) : undefined;
  const s = stats.ok ? StatsSchema.safeParse(stats.value).data : undefined;
  const fromStats: Partial<CompressionProxyFacts> = s
    ? {
        ...('cache' in s ? { cache: { value: s.cache !== null && s.cache !== undefined, source: 'stats' as const } } : {}),
        ...('rate_limiter' in s ? { rateLimit: { value: s.rate_limiter !== null && s.rate_limiter !== undefined, source: 'stats' as const } } : {}),
      }
    : {};
  const proxy: CompressionProxyFacts = { product: 'headroom', ...(fromArgv && listener ? { pid: listener.pid } : {}), ...fromArgv, ...fromStats };
  return {
    baseUrl,
    status: 'ok',
    kind: 'headroom',
    knowsLoaded: false,
    detail: 'a Headroom compression proxy: what the server behind it loaded is not read through it',
    loaded: [],
    proxy,
    via: 'probe',
  };
}
