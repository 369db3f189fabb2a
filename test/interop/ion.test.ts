// The control plane end to end with real parts: our Go Gravity ion (Debian memberlist 0.2.2, Go's
// encoding/json, the seed's gossip structs), `gossamer agent` processes, and the real worker as the edge
// under `wrangler dev` (workerd). Envelopes travel Go -> agent -> edge and edge -> agent -> Go, removals
// both ways; a mixed cluster of Go ions and agents converges on one state; a late joiner receives a
// 100k-record state by push/pull; an agent SIGKILLed and restarted from its --data-dir serves what it had
// at once and catches up with the edge from its persisted cursors; its outbox survives an edge outage.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProc, killAll, waitFor } from "./harness.ts";
import { startEdge, type Edge } from "./edge.ts";
import { buildIon, digestOf, Ion, storeLines } from "./ion-harness.ts";

const T = 1_700_000_000;
let edge: Edge;
const dirs: string[] = [];
beforeAll(async () => {
  buildIon();
  edge = await startEdge();
}, 180_000);
afterAll(async () => {
  await killAll();
  await edge?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const route = (subnet: string, ts: number, action = "add", machine = "edge-writer") =>
  JSON.stringify({ type: 5, payload: { v: 231, subnet, machine_id: machine, ion_id: "10.9.9.9:7946", timestamp: ts, action } });

async function post(url: string, token: string, body: string): Promise<void> {
  const r = await fetch(`${url}/v1/messages`, { method: "POST", body, headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
}

const only = (prefix: string) => (lines: string[]) => lines.filter((l) => l.includes(prefix));

async function agentProc(name: string, args: string[]): Promise<AgentProc & { url: string }> {
  const a = await new AgentProc(name, ["--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--profile", "local", ...args]).running(20_000);
  return Object.assign(a, { url: `http://127.0.0.1:${a.httpPort}` });
}

describe("Go ion <-> agent <-> edge", () => {
  it("carries routes and endpoints Go -> agent -> edge and edge -> agent -> Go, removals both ways", async () => {
    const ion = await Ion.start("ion-a");
    const agent = await agentProc("ag-a", ["--edge", edge.url, "--edge-token", edge.token, "--join", ion.addr]);
    const sel = only(" 10.11.");
    ion.send(`route 10.11.1.0/24 ${T + 1} add`);
    ion.send(`endpoint c-10.11 ${T + 1}`);
    let t0 = Date.now();
    await waitFor("Go route at the edge", 20_000, async () => sel(await storeLines(edge.url, edge.token)).includes(`route 10.11.1.0/24 ${T + 1} add`) || undefined);
    const upMs = Date.now() - t0;
    await waitFor("Go endpoint at the edge", 20_000, async () => (await storeLines(edge.url, edge.token)).includes(`endpoint c-10.11 ${T + 1} add`) || undefined);

    t0 = Date.now();
    await post(edge.url, edge.token, route("10.11.2.0/24", T + 1));
    await waitFor("edge route at the Go ion", 20_000, async () => (await ion.stateLines()).includes(`route 10.11.2.0/24 ${T + 1} add`) || undefined);
    const downMs = Date.now() - t0;

    // Removals: a remove from Go reaches the edge; a remove at the edge reaches Go; a tombstone too.
    ion.send(`route 10.11.1.0/24 ${T + 2} remove`);
    ion.send(`tombstone c-10.11 ${T + 2}`);
    await post(edge.url, edge.token, route("10.11.2.0/24", T + 2, "remove"));
    const want = [`endpoint c-10.11 ${T + 2} remove`, `route 10.11.1.0/24 ${T + 2} remove`, `route 10.11.2.0/24 ${T + 2} remove`];
    await waitFor("removals at the edge", 20_000, async () => {
      const l = (await storeLines(edge.url, edge.token)).filter((x) => x.includes("10.11"));
      return JSON.stringify(l) === JSON.stringify(want) || undefined;
    });
    await waitFor("removals at the Go ion", 20_000, async () => {
      const l = (await ion.stateLines()).filter((x) => x.includes("10.11"));
      return JSON.stringify(l) === JSON.stringify(want) || undefined;
    });
    expect((await storeLines(agent.url)).filter((x) => x.includes("10.11"))).toEqual(want);
    // The route is gone from the edge's route table too.
    const m = (await (await fetch(`${edge.url}/v1/route?ip=10.11.1.7`, { headers: { authorization: `Bearer ${edge.token}` } })).json()) as { match: unknown };
    expect(m.match).toBeNull();
    console.log(`[ion.test] Go->edge ${upMs} ms, edge->Go ${downMs} ms`);
  });

  it("a mixed cluster of Go ions and agents (two linked to the edge) converges on one state", async () => {
    const ionA = await Ion.start("mix-ion-a");
    const ionB = await Ion.start("mix-ion-b", ["-join", ionA.addr]);
    const a1 = await agentProc("mix-ag-1", ["--edge", edge.url, "--edge-token", edge.token, "--join", ionA.addr]);
    const a2 = await agentProc("mix-ag-2", ["--http-token", "t2", "--join", ionB.addr]);
    const a3 = await agentProc("mix-ag-3", ["--edge", edge.url, "--edge-token", edge.token, "--join", a2.addr]);
    ionA.send(`route 10.21.1.0/24 ${T} add`);
    ionB.send(`route 10.21.2.0/24 ${T} add`);
    ionB.send(`route 10.21.1.0/24 ${T + 3} remove`);
    await post(a2.url, "t2", route("10.21.3.0/24", T, "add", "agent-2"));
    await post(edge.url, edge.token, route("10.21.4.0/24", T, "add", "edge"));
    await post(edge.url, edge.token, route("10.21.2.0/24", T + 1, "add", "edge")); // newer than ion B's
    const want = [`route 10.21.1.0/24 ${T + 3} remove`, `route 10.21.2.0/24 ${T + 1} add`, `route 10.21.3.0/24 ${T} add`, `route 10.21.4.0/24 ${T} add`];
    const sel = (l: string[]) => JSON.stringify(l.filter((x) => x.includes(" 10.21.")));
    const views: [string, () => Promise<string[]>][] = [
      ["ion A", () => ionA.stateLines()],
      ["ion B", () => ionB.stateLines()],
      ["agent 1", () => storeLines(a1.url)],
      ["agent 2", () => storeLines(a2.url, "t2")],
      ["agent 3", () => storeLines(a3.url)],
      ["edge", () => storeLines(edge.url, edge.token)],
    ];
    for (const [what, view] of views) await waitFor(`${what} converged`, 30_000, async () => sel(await view()) === JSON.stringify(want) || undefined);
  });

  it("a late joiner receives a 100k-record state by push/pull within 10 s", async () => {
    const ion = await Ion.start("big-ion", ["-pushpull", "60s"]);
    await ion.ask("bulk 100000 1700000000", "bulk", 30_000);
    const want = await ion.digest();
    expect(want.count).toBe(100_000);
    const t0 = Date.now();
    const a = new AgentProc("late", ["--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--profile", "lan", "--join", ion.addr]);
    const up = await a.running(20_000);
    const url = `http://127.0.0.1:${up.httpPort}`;
    await waitFor("100k records at the late joiner", 20_000, async () => {
      const h = (await (await fetch(`${url}/healthz`)).json()) as { state: { records: number } };
      return h.state.records >= 100_000 || undefined;
    });
    const ms = Date.now() - t0;
    expect(digestOf(await storeLines(url))).toEqual(want);
    console.log(`[ion.test] 100k-record state reached the late joiner in ${ms} ms (process start to last record applied)`);
    expect(ms).toBeLessThan(20_000); // the goal (10 s) is reported by the bench; this bounds the test
  }, 120_000);
});

describe("agent restart and edge outage", () => {
  it("a SIGKILLed agent restarts from --data-dir, serves its state at once and catches up with the edge; its outbox survives an edge outage", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ctl-ion-data-"));
    const edgeDir = mkdtempSync(path.join(os.tmpdir(), "ctl-ion-edge-"));
    dirs.push(dir, edgeDir);
    let e2 = await startEdge({ persistDir: edgeDir });
    const args = ["--data-dir", dir, "--http-token", "t", "--edge", e2.url, "--edge-token", e2.token];
    const a = await agentProc("dur-1", args);
    await post(a.url, "t", route("10.31.1.0/24", T));
    await waitFor("first route at the edge", 20_000, async () => (await storeLines(e2.url, e2.token)).includes(`route 10.31.1.0/24 ${T} add`) || undefined);
    await a.kill("SIGKILL");
    await post(e2.url, e2.token, route("10.31.2.0/24", T)); // while the agent is down

    const b = await agentProc("dur-1", args);
    // At once: what it had on disk.
    expect(await storeLines(b.url, "t")).toContain(`route 10.31.1.0/24 ${T} add`);
    await waitFor("the edge's write while down", 20_000, async () => (await storeLines(b.url, "t")).includes(`route 10.31.2.0/24 ${T} add`) || undefined);

    // Edge outage: writes acknowledged by the agent meanwhile reach the edge once it is back.
    await e2.dispose();
    for (let i = 0; i < 20; i++) await post(b.url, "t", route(`10.31.${10 + i}.0/24`, T));
    e2 = await startEdge({ persistDir: edgeDir, port: e2.port });
    await waitFor("outbox delivered after the outage", 60_000, async () => {
      const l = (await storeLines(e2.url, e2.token)).filter((x) => x.includes(" 10.31."));
      return l.length === 22 || undefined;
    });
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/gossamer_edge_link_retries_total\{direction="up"\} [1-9]/);
    expect(metrics).toMatch(/gossamer_edge_link_lag_cursor\{direction="up"\} 0/);
    await e2.dispose();
  }, 180_000);
});
