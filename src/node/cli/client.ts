// The client side of the commands that ask a running agent (or the worker) over HTTP: `gossamer members`,
// `state`, `route`. Flags shared by all of them, like consul's -http-addr and -token:
//   --http-addr HOST:PORT | URL   the agent's --http listener (GOSSAMER_HTTP_ADDR; default 127.0.0.1:8080);
//                                 an http(s):// URL reaches the worker's store API too
//   --token T                     bearer token for the store routes (GOSSAMER_HTTP_TOKEN, the agent's own)
//   --format text|json            (GOSSAMER_FORMAT; default text)
// Failures are the API's own {"error":{"code","message"}} body, printed as `code: message`.
import { GossamerError } from "../../util/index.ts";
import { didYouMean, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from "./flags.ts";
import type { OutputFormat } from "./output.ts";

export const DEFAULT_HTTP_ADDR = "127.0.0.1:8080";

export const CLIENT_FLAGS: Record<string, FlagSpec> = {
  "http-addr": { env: ["GOSSAMER_HTTP_ADDR"] },
  token: { env: ["GOSSAMER_HTTP_TOKEN"] },
  format: { env: ["GOSSAMER_FORMAT"] },
};

export const CLIENT_USAGE = `  --http-addr ADDR   the agent's --http address, HOST:PORT or an http(s) URL (the worker's URL works for
                     state and route) (GOSSAMER_HTTP_ADDR; default ${DEFAULT_HTTP_ADDR})
  --token TOKEN      bearer token for the store routes (GOSSAMER_HTTP_TOKEN)
  --format text|json output for people or programs (GOSSAMER_FORMAT; default text)`;

/** An HTTP API answered with its error body (code = the body's code), or not at all (code unreachable). */
export class ApiError extends GossamerError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, `${code}: ${message}`);
    this.status = status;
  }
}

export interface ClientFlags {
  base: string;
  token: string | undefined;
  format: OutputFormat;
  flags: ParsedFlags;
  /** Positional arguments (those not starting with a dash). */
  args: string[];
}

/** The agent's base URL from --http-addr. */
export function baseUrl(addr: string): string {
  if (/^https?:\/\//i.test(addr)) return addr.replace(/\/+$/, "");
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):\d{1,5}$/.test(addr)) throw new UsageError(`--http-addr must be HOST:PORT or an http(s) URL, got ${JSON.stringify(addr)}`);
  return `http://${addr}`;
}

/** Parses the shared client flags plus `extra`; positional arguments are returned, not rejected. */
export function parseClientFlags(argv: readonly string[], extra: Record<string, FlagSpec> = {}, env: Record<string, string | undefined> = process.env): ClientFlags {
  const args: string[] = [];
  const rest: string[] = [];
  const specs = { ...CLIENT_FLAGS, ...extra };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "-") {
      args.push(a);
      continue;
    }
    // `--http` is accepted as an alias of --http-addr (the mesh operations' name for it).
    const norm = a.replace(/^(--?)http(?==|$)/, "$1http-addr");
    rest.push(norm);
    const name = norm.replace(/^--?/, "").split("=")[0]!;
    if (!norm.includes("=") && Object.hasOwn(specs, name) && !specs[name]!.boolean && i + 1 < argv.length) rest.push(argv[++i]!);
  }
  if (rest.some((a) => /^--?config(=|$)/.test(a))) throw new UsageError("--config is for the daemons (agent, relay, mesh)");
  // GOSSAMER_CONFIG names a daemon's file: the clients ignore it (it may well be set in the same shell).
  const f = parseFlags(rest, specs, { ...env, GOSSAMER_CONFIG: undefined });
  const format = f.value("format") ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json${didYouMean(format, ["text", "json"])}`);
  return { base: baseUrl(f.value("http-addr") ?? DEFAULT_HTTP_ADDR), token: f.value("token"), format, flags: f, args };
}

/** GET base+path as JSON; a non-2xx answer becomes an ApiError from its {"error":{...}} body. */
export async function getJson(c: Pick<ClientFlags, "base" | "token">, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(c.base + path, { headers: c.token ? { authorization: `Bearer ${c.token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiError(0, "unreachable", `cannot reach ${c.base} (${cause?.code ?? cause?.message ?? (e as Error).message}); is an agent running with --http there?`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, "bad_response", `${c.base}${path} answered ${res.status} with non-JSON: ${text.slice(0, 120)}`);
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: unknown; message?: unknown } }).error;
    throw new ApiError(res.status, typeof err?.code === "string" ? err.code : `http_${res.status}`, typeof err?.message === "string" ? err.message : text.slice(0, 200));
  }
  return body;
}

/** Runs a client command body; prints usage errors and API errors the same way for all of them. */
export async function runClient(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      if (!e.message) {
        console.log(usage);
        return 0;
      }
      console.error(`gossamer ${name}: ${e.message}`);
      console.error(`run 'gossamer help ${name}' for the flags`);
      return 2;
    }
    if (e instanceof ApiError) {
      console.error(`gossamer ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
