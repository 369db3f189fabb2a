// `gossamer agent` / `gossamer keygen` as real processes (bin/gossamer.js on this Node), plus flag and
// env parsing. Two agents on loopback join, serve /v1/members and /healthz, and leave on SIGTERM. They run
// the lan profile: its 10 s TCP timeout keeps the join robust on a loaded 2-core machine.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseAgentFlags, UsageError } from "../../src/node/cli/agent.ts";
import { waitUntil } from "../helpers/wait.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin", "gossamer.js");
const procs: ChildProcess[] = [];

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): { proc: ChildProcess; lines: Record<string, unknown>[] } {
  const proc = spawn(process.execPath, [bin, "agent", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  const lines: Record<string, unknown>[] = [];
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      try {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      } catch {
        lines.push({ raw: buf.slice(0, i) });
      }
      buf = buf.slice(i + 1);
    }
  });
  return { proc, lines };
}

describe("flag parsing", () => {
  it("reads serf-style flags, repeatable --join/--tag, and both --flag v and --flag=v", () => {
    const f = parseAgentFlags(
      ["--node", "n1", "--bind=127.0.0.1:7000", "-advertise", "10.0.0.1:7000", "--join", "a:1", "--join=b:2", "--tag", "role=x", "--tag", "dc=eu", "--profile", "wan", "--label", "L", "--http", "127.0.0.1:0", "--log-level", "debug"],
      {},
    );
    expect(f).toMatchObject({ node: "n1", bind: "127.0.0.1:7000", advertise: "10.0.0.1:7000", join: ["a:1", "b:2"], profile: "wan", label: "L", http: "127.0.0.1:0", logLevel: "debug" });
    expect({ ...f.tags }).toEqual({ role: "x", dc: "eu" });
    expect(f.delegateVersions).toEqual([0, 0, 0]); // plain memberlist by default (Gravity ions)
    expect(f.serf).toBe(false);
    const serf = parseAgentFlags(["--serf", "--node", "s"], {});
    expect(serf).toMatchObject({ serf: true, node: "s", delegateVersions: [2, 5, 4] });
    expect(parseAgentFlags([], { GOSSAMER_SERF: "1" }).delegateVersions).toEqual([2, 5, 4]);
    expect(parseAgentFlags(["--serf=false"], { GOSSAMER_SERF: "1" }).serf).toBe(false);
    const st = parseAgentFlags(["--data-dir", "/tmp/x", "--http-token", "t", "--edge", "http://127.0.0.1:8787", "--edge-token", "e"], {});
    expect(st).toMatchObject({ dataDir: "/tmp/x", httpToken: "t", edge: { url: "http://127.0.0.1:8787", token: "e" } });
    expect(parseAgentFlags([], { GOSSAMER_DATA_DIR: "/d", GOSSAMER_EDGE: "https://e.example", GOSSAMER_EDGE_TOKEN: "k", GOSSAMER_HTTP_TOKEN: "h" })).toMatchObject({
      dataDir: "/d",
      httpToken: "h",
      edge: { url: "https://e.example", token: "k" },
    });
  });

  it("env vars mirror the flags, and flags win", () => {
    const key = Buffer.alloc(16, 7).toString("base64");
    const env = { GOSSAMER_NODE: "envnode", GOSSAMER_BIND: "127.0.0.1:1", GOSSAMER_JOIN: "x:1, y:2", GOSSAMER_TAGS: "a=1,b=2", GOSSAMER_ENCRYPT: key, GOSSAMER_PROFILE: "local", GOSSAMER_DELEGATE_VERSIONS: "0,0,0" };
    const f = parseAgentFlags([], env);
    expect(f).toMatchObject({ node: "envnode", bind: "127.0.0.1:1", join: ["x:1", "y:2"], profile: "local", delegateVersions: [0, 0, 0] });
    expect({ ...f.tags }).toEqual({ a: "1", b: "2" });
    expect(Array.from(f.encrypt!)).toEqual(new Array(16).fill(7));
    const g = parseAgentFlags(["--node", "flagnode", "--join", "z:3"], env);
    expect(g.node).toBe("flagnode");
    expect(g.join).toEqual(["z:3"]);
  });

  it("rejects bad values with a usage error", () => {
    const bad = [
      ["--profile", "moon"],
      ["--encrypt", Buffer.alloc(10).toString("base64")],
      ["--encrypt", "not base64!"],
      ["--tag", "novalue"],
      ["--log-level", "loud"],
      ["--delegate-versions", "1,2"],
      ["--edge", "http://127.0.0.1:1"],
      ["--edge", "ftp://x", "--edge-token", "t"],
      ["--edge-token", "t"],
      ["--serf=maybe"],
      ["--frobnicate", "1"],
      ["--node"],
      ["stray"],
    ];
    for (const argv of bad) expect(() => parseAgentFlags(argv, {}), argv.join(" ")).toThrow(UsageError);
  });
});

describe("gossamer keygen", () => {
  it("prints a base64 key of 32 bytes by default, 16/24 on request, and refuses other sizes", () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [bin, "keygen", ...a], { encoding: "utf8" });
    const r = run();
    expect(r.status).toBe(0);
    expect(Buffer.from(r.stdout.trim(), "base64")).toHaveLength(32);
    expect(run().stdout).not.toBe(r.stdout); // random
    expect(Buffer.from(run("--bytes", "16").stdout.trim(), "base64")).toHaveLength(16);
    expect(Buffer.from(run("--bytes=24").stdout.trim(), "base64")).toHaveLength(24);
    expect(run("--bytes", "7").status).toBe(2);
  }, 30_000);
});

describe("gossamer agent processes", () => {
  it("two agents join, serve /v1/members and /healthz, log JSON lines, and leave on SIGTERM", async () => {
    const key = spawnSync(process.execPath, [bin, "keygen"], { encoding: "utf8" }).stdout.trim();
    const a = startAgent(["--node", "cli-a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--profile", "lan", "--tag", "role=first"], { GOSSAMER_ENCRYPT: key });
    const runA = await waitUntil("agent a running", () => a.lines.find((l) => l["msg"] === "agent running"), { timeout: 15_000, interval: 100 });
    const portA = Number(runA["port"]);
    const httpA = (runA["http"] as { port: number }).port;
    // Every stdout line is JSON with a level and the node name.
    expect(a.lines.every((l) => typeof l["level"] === "string" && l["node"] === "cli-a")).toBe(true);

    const b = startAgent(["--bind", "127.0.0.1:0", "--join", `127.0.0.1:${portA}`, "--profile", "lan", "--http", "127.0.0.1:0"], {
      GOSSAMER_NODE: "cli-b",
      GOSSAMER_ENCRYPT: key,
      GOSSAMER_TAGS: "role=second",
    });
    const runB = await waitUntil("agent b running", () => b.lines.find((l) => l["msg"] === "agent running"), { timeout: 15_000, interval: 100 });
    const httpB = (runB["http"] as { port: number }).port;
    expect(b.lines.some((l) => l["msg"] === "joined cluster")).toBe(true);

    type M = { name: string; address: string; port: number; state: string; incarnation: number; tags: Record<string, string>; protocol: { min: number; max: number; cur: number }; delegate: { min: number; max: number; cur: number } };
    const members = async (port: number): Promise<M[]> => ((await (await fetch(`http://127.0.0.1:${port}/v1/members`)).json()) as { members: M[] }).members;
    const seen = await waitUntil("a lists b alive", async () => (await members(httpA)).find((m) => m.name === "cli-b" && m.state === "alive"), { timeout: 15_000, interval: 100 });
    expect(seen.tags).toEqual({ role: "second" });
    expect(seen.address).toBe("127.0.0.1");
    expect(seen.protocol).toEqual({ min: 1, max: 5, cur: 2 });
    expect(seen.delegate).toEqual({ min: 0, max: 0, cur: 0 }); // plain memberlist unless --serf
    expect(seen.incarnation).toBeGreaterThanOrEqual(1);
    const self = (await members(httpA)).find((m) => m.name === "cli-a")!;
    expect(self).toMatchObject({ port: portA, state: "alive", tags: { role: "first" } });

    const health = (await (await fetch(`http://127.0.0.1:${httpB}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", node: "cli-b", alive: 2, members: 2 });
    expect((await fetch(`http://127.0.0.1:${httpB}/nope`)).status).toBe(404);

    // Graceful leave: b exits 0 after "left cluster", and a sees it as left.
    const exited = new Promise<number | null>((r) => b.proc.once("exit", (code) => r(code)));
    b.proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(b.lines.some((l) => l["msg"] === "left cluster")).toBe(true);
    await waitUntil("a sees b left", async () => (await members(httpA)).find((m) => m.name === "cli-b")?.state === "left", { timeout: 10_000, interval: 100 });

    const exitedA = new Promise<number | null>((r) => a.proc.once("exit", (code) => r(code)));
    a.proc.kill("SIGINT");
    expect(await exitedA).toBe(0);
  }, 60_000);

  it("fails to start with a clear log line when the port is taken", async () => {
    const a = startAgent(["--node", "dup-a", "--bind", "127.0.0.1:0"]);
    const run = await waitUntil("agent running", () => a.lines.find((l) => l["msg"] === "agent running"), { timeout: 15_000, interval: 100 });
    const b = startAgent(["--node", "dup-b", "--bind", `127.0.0.1:${run["port"]}`]);
    const code = await new Promise<number | null>((r) => b.proc.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(b.lines.some((l) => l["msg"] === "agent failed to start" && l["level"] === "error")).toBe(true);
    a.proc.kill("SIGTERM");
  }, 30_000);
});
