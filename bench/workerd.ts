// workerd for the worker bench, without the dev tooling in the way. `wrangler dev` runs workerd with
// an inspector (--inspector-addr) and, with `[observability] enabled`, a streaming tail worker that
// every event (each WebSocket message) reports to; together they cost more than the relay itself. Here
// workerd is started through Miniflare's API with neither: no `inspectorPort` (so no --inspector-addr
// argument; the bench prints workerd's command line to show it), `unsafeObservability` unset (no tail
// consumers), no request logging; the worker's bindings come from wrangler.toml through wrangler's own
// unstable_getMiniflareWorkerOptions. Clients connect to the worker's direct socket
// (unsafeGetDirectURL), so no entry worker sits in front of it.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { procCpuUs, procRss } from "./proc.ts";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER_JS = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

export interface Workerd {
  /** http://host:port of the worker's own socket. */
  base: string;
  /** workerd's pid and its command line (arguments), to show what runs. */
  pid: number;
  argv: string[];
  /** workerd's CPU time (user + system) in microseconds, cumulative. */
  cpu(): Promise<number>;
  /** Peak resident set of workerd so far, in bytes. */
  rssPeak(): number;
  stop(): Promise<void>;
}

/** Bundles the gossamer worker as `wrangler deploy` would (esbuild via wrangler), into `outdir`. */
export function bundleGossamer(outdir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_JS, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
    });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const t = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", (code) => {
      clearTimeout(t);
      if (code === 0) resolve(join(outdir, "index.js"));
      else reject(new Error(`wrangler deploy --dry-run failed (${code}): ${err}`));
    });
  });
}

/** Bundles the bare forwarder fixture (bench/fixtures/bare-forwarder.ts) into `outdir`. */
export async function bundleBare(outdir: string): Promise<string> {
  const out = join(outdir, "bare-forwarder.js");
  await build({
    entryPoints: [join(ROOT, "bench/fixtures/bare-forwarder.ts")],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["cloudflare:*"],
    logLevel: "error",
  });
  return out;
}

/** Children of this process named workerd, newest last. */
function workerdPids(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Starts workerd with one worker: `script` (an ES module bundle; sibling .wasm modules are found by its
 * imports) and its bindings. `which` = "gossamer" takes them from wrangler.toml (vars overridable);
 * "bare" is the fixture with its one Durable Object namespace.
 */
export async function startWorkerd(which: "gossamer" | "bare", script: string, vars: Record<string, string> = {}): Promise<Workerd> {
  const before = new Set(workerdPids());
  const state = mkdtempSync(join(tmpdir(), "gossamer-bench-do-"));
  let worker: V4WorkerOptions;
  // Both workers run with wrangler.toml's compatibility date and flags, so they differ only in their code.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  if (which === "gossamer") {
    const { rootPath: _root, modulesRules: _rules, ...rest } = workerOptions as V4WorkerOptions & { rootPath?: string; modulesRules?: unknown };
    worker = {
      ...rest,
      name: "gossamer",
      modules: bundleModules(script),
      modulesRoot: dirname(script),
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      bindings: { ...(rest.bindings ?? {}), LOG_LEVEL: "error", ...vars },
    } as V4WorkerOptions;
  } else {
    worker = {
      name: "bare",
      modules: bundleModules(script),
      modulesRoot: dirname(script),
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      durableObjects: { BARE: { className: "BareForwarder", useSQLite: true } },
    } as V4WorkerOptions;
  }
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    logRequests: false,
    // Deliberately absent: inspectorPort (no --inspector-addr), unsafeObservability (no tail consumers),
    // verbose. Durable Object state in a throw-away directory.
    isolatedResourcePersistencePath: state,
    handleStructuredLogs: () => {},
    workers: [worker],
  }));
  try {
    await mf.ready;
    const direct = await mf.unsafeGetDirectURL(worker.name);
    const pid = workerdPids().find((p) => !before.has(p));
    if (pid === undefined) throw new Error("workerd process not found");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return {
      base: direct.origin,
      pid,
      argv,
      cpu: async () => procCpuUs(pid),
      rssPeak: () => procRss(pid, "VmHWM"),
      stop: async () => {
        await mf.dispose();
        rmSync(state, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await mf.dispose().catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
    throw e;
  }
}

/** The bundle's main module and the .wasm modules beside it (compiled modules, as wrangler uploads them). */
function bundleModules(script: string): Array<{ type: "ESModule" | "CompiledWasm"; path: string }> {
  const dir = dirname(script);
  return [
    { type: "ESModule", path: script },
    ...readdirSync(dir).filter((f) => f.endsWith(".wasm")).map((f) => ({ type: "CompiledWasm" as const, path: join(dir, f) })),
  ];
}

/** Temporary directory for bundles; removed by the returned function. */
export function bundleDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "gossamer-bundle-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
