import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import * as z from 'zod/mini';

/**
 * A compression proxy the user declared (machine-scoped setting `localAiLab.lab.proxies`, CLI `--proxies FILE`):
 * an argv, never a shell string, with `{port}` (where it must listen) and `{upstream}` (the base URL it forwards
 * to, as the provider had it, `/v1` and all) filled in per arm. The lab starts a fresh one for every arm, because a
 * proxy keeps decisions and a response cache for its lifetime and an arm must not see another arm's.
 */
export const ProxyDeclSchema = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, ".", "_" or "-" (at most 64)')),
  command: z.array(z.string().check(z.minLength(1, 'an empty argument'))).check(z.minLength(1, 'an argv with at least the program')),
  health: z._default(z.string().check(z.regex(/^\/[^\s]*$/, 'a path starting with "/"')), '/livez'),
  env: z.optional(z.record(z.string(), z.string())),
});
export type ProxyDecl = z.infer<typeof ProxyDeclSchema>;

/** `direct` is the arm without a proxy: no declared proxy may take that name. */
export const DIRECT = 'direct';

export class ProxyConfigError extends Error {}

/** The declared proxies from a setting or a file's parsed JSON: a list, each entry checked, names unique. */
export function readProxies(value: unknown, source: string): ProxyDecl[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProxyConfigError(`${source}: expected a list of proxies ([{ "name", "command", "health" }])`);
  const out: ProxyDecl[] = [];
  value.forEach((entry, i) => {
    const r = ProxyDeclSchema.safeParse(entry);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const at = [`[${i}]`, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('');
      // zod/mini carries no locale (the full zod pulled ~400 KB of them into every command): the words are ours.
      const what = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: name, command, health, env)` : issue.code === 'invalid_type' ? `expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}` : issue.message;
      throw new ProxyConfigError(`${source}${at}: ${what}`);
    }
    if (r.data.name === DIRECT) throw new ProxyConfigError(`${source}[${i}].name: "${DIRECT}" names the arm without a proxy; choose another name`);
    if (out.some((p) => p.name === r.data.name)) throw new ProxyConfigError(`${source}[${i}].name: "${r.data.name}" is declared twice`);
    if (!r.data.command.some((a) => a.includes('{port}'))) throw new ProxyConfigError(`${source}[${i}].command: no {port} placeholder, so the lab cannot give each arm a fresh proxy on a port of its own`);
    if (!r.data.command.some((a) => a.includes('{upstream}'))) throw new ProxyConfigError(`${source}[${i}].command: no {upstream} placeholder, so the proxy would not forward to the server under test`);
    out.push(r.data);
  });
  return out;
}

/** `--proxies FILE`: a JSON list (or `{ "proxies": [...] }`). */
export function readProxiesFile(file: string): ProxyDecl[] {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new ProxyConfigError(`${file}: not a regular file`);
    if (st.size > 1024 * 1024) throw new ProxyConfigError(`${file}: ${st.size} bytes; a proxies file is a short JSON list`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ProxyConfigError) throw err;
    throw new ProxyConfigError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ProxyConfigError(`${file}: not JSON (${(err as Error).message})`);
  }
  const list = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'proxies' in parsed ? (parsed as { proxies: unknown }).proxies : parsed;
  return readProxies(list, file);
}

/** The declared proxy called `name`, or an error that lists the declared ones. */
export function proxyNamed(proxies: readonly ProxyDecl[], name: string): ProxyDecl {
  const p = proxies.find((x) => x.name === name);
  if (p) return p;
  throw new ProxyConfigError(
    proxies.length
      ? `no proxy named "${name}" (declared: ${proxies.map((x) => x.name).join(', ')})`
      : `no proxy named "${name}": none is declared (machine setting localAiLab.lab.proxies, or --proxies FILE)`,
  );
}

export interface RunningProxy {
  readonly name: string;
  /** http://127.0.0.1:<port>; the client appends the upstream's path (e.g. /v1). */
  readonly url: string;
  readonly pid: number;
  /** Stops the whole process group (SIGTERM, SIGKILL after 2 s) and waits until the proxy has exited. */
  stop(): Promise<void>;
}

export interface StartProxyOptions {
  readonly signal?: AbortSignal;
  /** How long the proxy may take to answer its health path (default 30 s: a real one may load a model first). */
  readonly healthTimeoutMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const fill = (arg: string, port: number, upstream: string) => arg.replaceAll('{port}', String(port)).replaceAll('{upstream}', upstream);

/** Starts a fresh proxy in front of `upstream` and waits until its health path answers 2xx. */
export async function startProxy(decl: ProxyDecl, upstream: string, opts: StartProxyOptions = {}): Promise<RunningProxy> {
  const port = await freePort();
  const argv = decl.command.map((a) => fill(a, port, upstream));
  const [cmd, ...args] = argv;
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    while (tail.join('').length > 4000) tail.shift();
  };
  const child: ChildProcess = spawn(cmd!, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(decl.env ?? {}) } });
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      keep(Buffer.from(err.message));
      exited = { code: null, signal: null };
      resolve();
    });
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const stop = async () => {
    if (!exited) {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 2000);
      await exit;
      clearTimeout(t);
    }
    // Whatever the proxy left behind in its group goes too.
    killGroup('SIGKILL');
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.healthTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new ProxyStartError(`${decl.name}: cancelled while it started`);
      if (exited) throw new ProxyStartError(`${decl.name} exited before it answered ${decl.health} (${exited.signal ?? `code ${exited.code}`}): ${tail.join('').trim().split('\n').slice(-3).join(' / ') || 'no output'}`);
      try {
        const r = await fetch(url + decl.health, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer().catch(() => undefined);
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new ProxyStartError(`${decl.name} did not answer ${url}${decl.health} within ${Math.round((opts.healthTimeoutMs ?? 30_000) / 1000)} s (command: ${argv.join(' ')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: decl.name, url, pid: child.pid!, stop };
}

export class ProxyStartError extends Error {}
