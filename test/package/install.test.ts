// The package as a user gets it: `npm pack` in this checkout, `npm install` of the tarball into an empty
// folder with the SYSTEM Node (Node 20 here, not the Node 22 the npm scripts run on; from the local npm
// cache when offline, from the registry in CI), then: `gossamer --version`, the three import paths of the
// exports map, and a two-agent cluster run from the installed bin that leaves gracefully on SIGTERM.
// `npm run test:package` builds dist/ first; the system Node is GOSSAMER_SYSTEM_NODE or /usr/bin/node.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gossamer, killAll, repoRoot } from "../helpers/gossamer-proc.ts";
import { waitUntil } from "../helpers/wait.ts";

const systemNode = process.env.GOSSAMER_SYSTEM_NODE ?? "/usr/bin/node";
const npmCli = realpathSync(process.env.GOSSAMER_SYSTEM_NPM ?? "/usr/bin/npm");
const work = mkdtempSync(path.join(os.tmpdir(), "gossamer-package-"));
const app = path.join(work, "app");
// The system Node first on PATH: nothing from this checkout's node_modules/.bin (its Node 22) may leak in.
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(systemNode)}:/usr/bin:/bin`, npm_config_loglevel: "warn", npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" };
for (const k of Object.keys(env)) if (k.startsWith("npm_package_") || k === "npm_lifecycle_event" || k === "npm_lifecycle_script" || k === "INIT_CWD") delete env[k];
const installed = path.join(app, "node_modules/gossamer");
const bin = path.join(installed, "bin/gossamer.js");
let tarball = "";
let installLog = "";

beforeAll(() => {
  const packed = execFileSync(systemNode, [npmCli, "pack", "--ignore-scripts", "--pack-destination", work, "--json"], { cwd: repoRoot, env, encoding: "utf8" });
  const info = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info[0]!.filename);
  const files = info[0]!.files.map((f) => f.path);
  expect(files).toContain("dist/bundle/cli/cli.mjs");
  expect(files).toContain("dist/src/node/index.d.ts");
  expect(files).toContain("dist/worker/index.js");
  expect(files).toContain("dist/build/hotpath.wasm");
  expect(files).toContain("bin/gossamer.js");
  expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("node_modules/"))).toBe(false);

  execFileSync("mkdir", ["-p", app]);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "try-gossamer", version: "1.0.0", private: true, type: "module" }));
  const r = spawnSync(systemNode, [npmCli, "install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: app, env, encoding: "utf8", timeout: 300_000 });
  installLog = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
}, 360_000);

afterAll(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

const run = (...args: string[]) => spawnSync(systemNode, [bin, ...args], { cwd: app, env, encoding: "utf8", timeout: 30_000 });

describe("the packed package on the system Node", () => {
  it("installs without engine or install-script warnings and runs gossamer --version", () => {
    expect(spawnSync(systemNode, ["--version"], { encoding: "utf8" }).stdout.trim()).toMatch(/^v\d+\./);
    expect(installLog).not.toMatch(/EBADENGINE/);
    expect(installLog).not.toMatch(/install-scripts|allowScripts/); // no install script for npm to ask about
    expect(existsSync(path.join(installed, "src"))).toBe(false); // compiled only
    const v = run("--version");
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^gossamer v\d+\.\d+\.\d+\nnode v/);
    expect(v.stdout).toContain(`node ${spawnSync(systemNode, ["--version"], { encoding: "utf8" }).stdout.trim()}`);
    // The link npm made in node_modules/.bin runs too.
    const linked = spawnSync(path.join(app, "node_modules/.bin/gossamer"), ["help", "agent"], { cwd: app, env, encoding: "utf8" });
    expect(linked.status).toBe(0);
    expect(linked.stdout).toContain("--retry-join");
  });

  it("imports through the exports map: gossamer, gossamer/node, and types for all three", () => {
    const script = `
      const core = await import("gossamer");
      const node = await import("gossamer/node");
      const key = core.memberlist.Keyring ? "keyring" : "none";
      const env = core.gossip.encodeToString({ type: 5, payload: { v: 0, subnet: "fd15::/64", machine_id: "m", ion_id: "i", timestamp: 1, action: "add" } });
      console.log(JSON.stringify({ key, env, startAgent: typeof node.startAgent, nodePlatform: typeof node.nodePlatform }));`;
    const r = spawnSync(systemNode, ["--input-type=module", "-e", script], { cwd: app, env, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ key: "keyring", startAgent: "function", nodePlatform: "function", env: expect.stringContaining('"subnet":"fd15::/64"') });
    for (const d of ["dist/src/index.d.ts", "dist/src/node/index.d.ts", "dist/worker/index.d.ts", "dist/worker/index.js"]) expect(existsSync(path.join(installed, d)), d).toBe(true);
    expect(readdirSync(path.join(installed, "dist/bundle/cli")).some((f) => f.startsWith("agent-"))).toBe(true);
  });

  it("gossamer/worker bundles with wrangler as a deployment of one's own would", () => {
    writeFileSync(path.join(app, "worker.js"), `export { default, RelayShard, PeerDirectory, GossipStore } from "gossamer/worker";\n`);
    writeFileSync(
      path.join(app, "wrangler.toml"),
      ["name = \"my-edge\"", "main = \"worker.js\"", "compatibility_date = \"2026-11-01\"", "compatibility_flags = [\"nodejs_compat\"]", "send_metrics = false",
        ...["RELAY_SHARD:RelayShard", "PEER_DIRECTORY:PeerDirectory", "GOSSIP_STORE:GossipStore"].map((b) => `[[durable_objects.bindings]]\nname = "${b.split(":")[0]}"\nclass_name = "${b.split(":")[1]}"`),
        "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"RelayShard\", \"PeerDirectory\", \"GossipStore\"]"].join("\n"),
    );
    // wrangler is this checkout's (it needs Node 22); the code it bundles comes from the installed package.
    const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", path.join(work, "bundle")], {
      cwd: app,
      env: { ...env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", HOME: work },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = readdirSync(path.join(work, "bundle"));
    expect(out).toContain("worker.js");
    expect(out.some((f) => f.endsWith("hotpath.wasm"))).toBe(true);
  }, 150_000);

  it("runs a two-agent cluster from the installed bin, and each leaves on SIGTERM", async () => {
    const o = { node: systemNode, bin, cwd: app, env };
    const a = gossamer(["agent", "--node", "pkg-a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0"], o);
    const runA = await a.line("agent running", 30_000);
    const b = gossamer(["agent", "--node", "pkg-b", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${runA["port"]}`], o);
    await b.line("joined cluster", 30_000);
    const addr = `127.0.0.1:${(runA["http"] as { port: number }).port}`;
    const members = () => run("members", "--http-addr", addr, "--format", "json");
    await waitUntil("both alive", () => {
      const r = members();
      const m = r.status === 0 ? (JSON.parse(r.stdout) as { members: { name: string; state: string }[] }).members : [];
      return m.length === 2 && m.every((x) => x.state === "alive");
    }, { timeout: 30_000, interval: 200 });
    b.proc.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(b.lines.some((l) => l["msg"] === "left cluster")).toBe(true);
    await waitUntil("a sees b left", () => /^pkg-b\s+\S+\s+left/m.test(run("members", "--http-addr", addr).stdout), { timeout: 30_000, interval: 200 });
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
  }, 90_000);

  it("--data-dir on a Node without node:sqlite stops with the reason", () => {
    const hasSqlite = spawnSync(systemNode, ["-e", "require('node:sqlite')"], { env }).status === 0;
    const r = run("agent", "--node", "nosql", "--bind", "127.0.0.1:0", "--data-dir", path.join(work, "data"), "--retry-join", "127.0.0.1:1", "--retry-max", "1");
    if (hasSqlite) {
      expect(r.stdout).toContain("state opened");
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/--data-dir needs node:sqlite, which Node v\d+\.\d+\.\d+ does not have \(Node >= 22\.13/);
    }
  });
});
