// The real edge for interop tests: the worker bundled exactly as `wrangler deploy` would
// (`wrangler deploy --dry-run --outdir`, once per run) and served by `wrangler dev --no-bundle --local`
// (workerd) on a free loopback port, Durable Objects on SQLite persisted to a directory (given, so a
// restarted edge keeps its state, or a temporary one). Bindings are wrangler.toml's development [vars] and
// .dev.vars, with a sharded store: STORE_SHARDS = 4 (GOSSAMER_EDGE_STORE_SHARDS overrides it), so every
// interop test runs against the edge at scale (docs/protocols/store-api.md §2).
// Each edge is its own process group; dispose() ends wrangler and workerd.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot } from "./harness.ts";
import { waitUntil } from "../helpers/wait.ts";

let bundleDir: string | undefined;
const WRANGLER = path.join(repoRoot, "node_modules/wrangler/bin/wrangler.js");
const ENV = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}:${process.env["PATH"] ?? ""}`,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
};

/** Bundles worker/index.ts with wrangler (once per process); returns the entry file. */
export function bundleWorker(): string {
  if (!bundleDir) {
    const out = mkdtempSync(path.join(os.tmpdir(), "ctl-edge-bundle-"));
    const r = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", out], { cwd: repoRoot, encoding: "utf8", env: ENV, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${r.stderr}${r.stdout}`);
    bundleDir = out;
  }
  return path.join(bundleDir, "index.js");
}

export const EDGE_TOKEN = "dev-store-token"; // .dev.vars STORE_TOKEN
/** Store shards of the interop edge. */
export const EDGE_STORE_SHARDS = process.env["GOSSAMER_EDGE_STORE_SHARDS"] ?? "4";

export interface Edge {
  url: string;
  token: string;
  persistDir: string;
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

export async function startEdge(o: { persistDir?: string; port?: number } = {}): Promise<Edge & { port: number }> {
  const script = bundleWorker();
  const port = o.port ?? (await freePort());
  const inspector = await freePort();
  const persistDir = o.persistDir ?? mkdtempSync(path.join(os.tmpdir(), "ctl-edge-state-"));
  const args = [WRANGLER, "dev", script, "--no-bundle", "--config", path.join(repoRoot, "wrangler.toml"), "--local", "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", String(inspector), "--persist-to", persistDir, "--show-interactive-dev-session=false", "--log-level", "warn", "--var", "LOG_LEVEL:warn", "--var", "RELAY_SHARDS:1",
    "--var", `STORE_SHARDS:${EDGE_STORE_SHARDS}`];
  const child = spawn(process.execPath, args, { cwd: repoRoot, detached: true, stdio: ["ignore", "ignore", "pipe"], env: ENV });
  running.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const dispose = async () => {
    running.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    }
    if (!o.persistDir) rmSync(persistDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const up = await waitUntil(
    "wrangler dev to answer /healthz",
    async () => {
      if (child.exitCode !== null) return "exited";
      try {
        if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return "up";
      } catch {
        /* not up yet */
      }
      return false;
    },
    { timeout: 90_000, interval: 200 },
  ).catch(() => "timeout" as const);
  if (up !== "up") {
    await dispose();
    throw new Error(up === "exited" ? `wrangler dev exited early: ${stderr}` : `wrangler dev did not come up: ${stderr}`);
  }
  return { url, token: EDGE_TOKEN, persistDir, port, dispose };
}
