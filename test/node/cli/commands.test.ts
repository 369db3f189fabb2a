// The gossamer command line as a person uses it, on real processes: --version, errors that name the
// unknown command or flag, `help CMD`, `members` / `state` / `route` against two real agents, human-readable
// logs on a terminal, --retry-join (a late seed, and giving up after --retry-max), and an agent whose
// wrapper process is killed noticing it and leaving its cluster.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collect, gossamer, killAll, repoBin, repoRoot } from "../../helpers/gossamer-proc.ts";
import { waitUntil } from "../../helpers/wait.ts";

afterAll(killAll);

const run = (...args: string[]) => spawnSync(process.execPath, [repoBin, ...args], { encoding: "utf8", env: { ...process.env, GOSSAMER_HTTP_ADDR: "" } });
const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** A TCP port that was free a moment ago (for the "seed starts later" case only). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("gossamer CLI basics", () => {
  it("--version prints the package version", () => {
    for (const flag of ["--version", "-v", "version"]) {
      const r = run(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`gossamer v${version}`);
    }
  });

  it("names an unknown command or flag, exits 2, and suggests the closest", () => {
    const r = run("memebrs");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "memebrs" (did you mean members?)');
    const f = run("agent", "--bnd", "127.0.0.1:0");
    expect(f.status).toBe(2);
    expect(f.stderr).toContain("gossamer agent: unknown flag --bnd (did you mean --bind?)");
    expect(f.stderr).toContain("gossamer help agent");
    expect(run("--frob").stderr).toContain("unknown flag --frob");
  });

  it("help CMD prints that command's flags; help alone lists the commands", () => {
    const h = run("help", "agent");
    expect(h.status).toBe(0);
    for (const flag of ["--retry-join", "--retry-interval", "--retry-max", "--config", "--log-format"]) expect(h.stdout).toContain(flag);
    expect(run("help", "members").stdout).toContain("--format text|json");
    const all = run("help");
    expect(all.status).toBe(0);
    for (const cmd of ["agent", "members", "state", "route", "relay", "mesh", "keygen", "version"]) expect(all.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
    expect(run("help", "nope").status).toBe(2);
  });
});

describe("members, state and route against two agents", () => {
  it("prints serf-style tables and JSON", async () => {
    const a = gossamer(["agent", "--node", "cmd-a", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--http-token", "tok", "--tag", "role=edge"]);
    const runA = await a.line("agent running");
    const b = gossamer(["agent", "--node", "cmd-b", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${runA["port"]}`]);
    await b.line("joined cluster");
    const addr = `127.0.0.1:${(runA["http"] as { port: number }).port}`;
    const env = { ...process.env, GOSSAMER_HTTP_ADDR: addr };
    const cli = (...args: string[]) => spawnSync(process.execPath, [repoBin, ...args], { encoding: "utf8", env });

    const table = await waitUntil("a lists b alive", () => {
      const r = cli("members");
      return r.status === 0 && /^cmd-b\s+127\.0\.0\.1:\d+\s+alive\s*$/m.test(r.stdout) ? r.stdout : "";
    }, { timeout: 30_000, interval: 200 });
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Name\s+Address\s+Status\s+Tags$/);
    expect(lines[1]).toMatch(new RegExp(`^cmd-a\\s+127\\.0\\.0\\.1:${runA["port"]}\\s+alive\\s+role=edge$`));
    const detailed = cli("members", "--detailed").stdout;
    expect(detailed).toMatch(/^Name\s+Address\s+Status\s+Incarnation\s+Protocol\s+Delegate\s+Tags$/m);
    expect(detailed).toMatch(/^cmd-a\s+\S+\s+alive\s+\d+\s+1\/5\/2\s+0\/0\/0\s+role=edge$/m);
    const json = JSON.parse(cli("members", "--format", "json").stdout) as { self: string; members: { name: string }[] };
    expect(json.self).toBe("cmd-a");
    expect(json.members.map((m) => m.name).sort()).toEqual(["cmd-a", "cmd-b"]);
    expect(cli("members", "--status", "dead").stdout.trim().split("\n")).toHaveLength(1); // header only

    // The store: without the token the agent refuses, in the one error shape.
    const denied = cli("state");
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain("gossamer state: unauthorized: missing or wrong bearer token");
    const envelope = readFileSync(path.join(repoRoot, "examples", "envelopes.json"), "utf8");
    const post = await fetch(`http://${addr}/v1/messages`, { method: "POST", headers: { authorization: "Bearer tok" }, body: envelope });
    expect(post.status).toBe(200);
    const state = cli("state", "--token", "tok");
    expect(state.status).toBe(0);
    expect(state.stdout).toMatch(/^Subnet routes \(1\)$/m);
    expect(state.stdout).toMatch(/^ {2}fd15:d710:2:5::\/64\s+m1\s+10\.0\.0\.7:7946\s+2023-11-14T22:13:20Z$/m);
    expect(state.stdout).toMatch(/^Endpoints \(1\)$/m);
    const snap = JSON.parse(cli("state", "--token", "tok", "--format", "json").stdout) as { routes: unknown[]; cursor: number };
    expect(snap.routes).toHaveLength(1);

    const hit = cli("route", "fd15:d710:2:5::1", "--token", "tok");
    expect(hit.status).toBe(0);
    expect(hit.stdout).toBe("fd15:d710:2:5::1: subnet fd15:d710:2:5::/64 -> machine m1 via ion 10.0.0.7:7946\n");
    const miss = cli("route", "10.9.9.9", "--token", "tok");
    expect(miss.status).toBe(1);
    expect(miss.stdout).toBe("10.9.9.9: no route\n");
    const bad = cli("route", "not-an-ip", "--token", "tok");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("gossamer route: ip_bad_address: not an IP address");

    b.proc.kill("SIGTERM");
    a.proc.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(await a.exited).toBe(0);
  }, 120_000);
});

describe("daemon behaviour", () => {
  it("logs human-readable lines on a terminal and JSON lines into a pipe", async () => {
    // `script` gives the agent a pseudo-terminal; the agent exits by itself after one failed --retry-join.
    const cmd = `${process.execPath} ${repoBin} agent --node tty --bind 127.0.0.1:0 --retry-join 127.0.0.1:1 --retry-max 1`;
    const tty = spawnSync("script", ["-qefc", cmd, "/dev/null"], { encoding: "utf8", timeout: 30_000 });
    const plain = tty.stdout.replace(/\x1b\[[0-9;]*m/g, "");
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: agent running \{.*"node":"tty"/m);
    expect(plain).toMatch(/ERROR: retry-join: giving up/);
    const piped = run("agent", "--node", "pipe", "--bind", "127.0.0.1:0", "--retry-join", "127.0.0.1:1", "--retry-max", "1");
    const first = JSON.parse(piped.stdout.split("\n")[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: "info", node: "pipe" });
  }, 120_000);

  it("--retry-join keeps trying until the seed is up, and gives up after --retry-max", async () => {
    const port = await freePort();
    const b = gossamer(["agent", "--node", "late-b", "--bind", "127.0.0.1:0", "--retry-join", `127.0.0.1:${port}`, "--retry-interval", "300ms"]);
    await b.line("retry-join: join failed, will retry");
    const a = gossamer(["agent", "--node", "late-a", "--bind", `127.0.0.1:${port}`]);
    await a.line("agent running");
    const joined = await b.line("retry-join: joined cluster");
    expect(joined["attempt"]).toBeGreaterThan(1);
    b.proc.kill("SIGTERM");
    a.proc.kill("SIGTERM");
    expect(await b.exited).toBe(0);

    const c = gossamer(["agent", "--node", "gives-up", "--bind", "127.0.0.1:0", "--retry-join", "127.0.0.1:1", "--retry-max", "2", "--retry-interval", "100ms"]);
    expect(await c.exited).toBe(1);
    expect(c.lines.filter((l) => l["msg"] === "retry-join: join failed, will retry")).toHaveLength(1);
    expect(c.lines.some((l) => l["msg"] === "retry-join: giving up after the last attempt (--retry-max)" && l["attempts"] === 2)).toBe(true);
  }, 120_000);

  it("an agent whose wrapper is killed notices and leaves its cluster", async () => {
    const a = gossamer(["agent", "--node", "stay", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0"]);
    const runA = await a.line("agent running");
    const http = `http://127.0.0.1:${(runA["http"] as { port: number }).port}`;
    // A wrapper that, like npx, does not pass signals on: a shell running the agent as its child.
    const wrapper = collect(
      spawn("sh", ["-c", `"${process.execPath}" "${repoBin}" agent --node orphan --bind 127.0.0.1:0 --join 127.0.0.1:${runA["port"]} & echo "{\\"msg\\":\\"child\\",\\"pid\\":$!}"; wait`], {
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const child = Number((await wrapper.line("child"))["pid"]);
    await wrapper.line("joined cluster");
    type M = { name: string; state: string };
    const state = async () => ((await (await fetch(`${http}/v1/members`)).json()) as { members: M[] }).members.find((m) => m.name === "orphan")?.state;
    await waitUntil("orphan alive", async () => (await state()) === "alive", { timeout: 30_000, interval: 100 });
    wrapper.proc.kill("SIGKILL"); // the agent itself gets no signal
    await wrapper.line("parent process exited: stopping");
    await wrapper.line("left cluster");
    await waitUntil("a sees orphan left", async () => (await state()) === "left", { timeout: 30_000, interval: 100 });
    await waitUntil("orphan exited", () => {
      try {
        process.kill(child, 0);
        return false;
      } catch {
        return true;
      }
    }, { timeout: 30_000, interval: 100 });
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
  }, 120_000);
});
