// A SIGKILLed agent restarted on the same --data-dir serves its full state at once, before it joins
// anyone: every write acknowledged before the kill (HTTP 200 from POST /v1/messages) is there. Real
// processes (bin/gossamer.js), real SIGKILL, node:sqlite on disk; and loading node:sqlite prints no
// ExperimentalWarning.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";

const bin = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "ctl-restart-"));
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function run(): { proc: ChildProcess; lines: Record<string, unknown>[]; stderr: () => string } {
  const proc = spawn(process.execPath, [bin, "agent", "--node", "dur", "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0", "--http-token", "t", "--data-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  const lines: Record<string, unknown>[] = [];
  let err = "";
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      try {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      } catch {
        /* not JSON */
      }
      buf = buf.slice(i + 1);
    }
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return { proc, lines, stderr: () => err };
}

const T = 1_700_000_000;
const batch = (from: number, n: number) =>
  `[${Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return JSON.stringify({ type: 5, payload: { v: 231, subnet: `10.${(i >> 8) & 255}.${i & 255}.0/24`, machine_id: "m", ion_id: "i", timestamp: T + i, action: "add" } });
  }).join(",")}]`;

describe("agent restart from --data-dir", () => {
  it("after SIGKILL, everything acknowledged is served at once on restart", async () => {
    const a = run();
    const up = await vi.waitFor(() => a.lines.find((l) => l["msg"] === "agent running") ?? Promise.reject(new Error("not yet")), { timeout: 15_000, interval: 50 });
    const url = `http://127.0.0.1:${(up["http"] as { port: number }).port}`;
    let acked = 0;
    // Keep writing while the kill lands: only what was acknowledged counts.
    const writer = (async () => {
      for (let i = 0; i < 400; i++) {
        try {
          const r = await fetch(`${url}/v1/messages`, { method: "POST", body: batch(i * 10, 10), headers: { authorization: "Bearer t" } });
          if (r.status !== 200) break;
          acked = (i + 1) * 10;
        } catch {
          break;
        }
      }
    })();
    await vi.waitFor(() => expect(acked).toBeGreaterThanOrEqual(500), { timeout: 20_000, interval: 10 });
    a.proc.kill("SIGKILL");
    await writer;
    const atKill = acked;

    const b = run();
    const up2 = await vi.waitFor(() => b.lines.find((l) => l["msg"] === "agent running") ?? Promise.reject(new Error("not yet")), { timeout: 15_000, interval: 20 });
    expect(up2["records"]).toBeGreaterThanOrEqual(atKill);
    const url2 = `http://127.0.0.1:${(up2["http"] as { port: number }).port}`;
    const s = (await (await fetch(`${url2}/v1/state`, { headers: { authorization: "Bearer t" } })).json()) as { routes: { subnet: string; timestamp: number }[] };
    const have = new Set(s.routes.map((r) => r.timestamp - T));
    const missing = Array.from({ length: atKill }, (_, i) => i).filter((i) => !have.has(i));
    expect(missing).toEqual([]);
    expect(b.lines.find((l) => l["msg"] === "state opened")).toMatchObject({ records: s.routes.length });
    expect(a.stderr() + b.stderr()).not.toMatch(/ExperimentalWarning/);
    b.proc.kill("SIGTERM");
  }, 60_000);
});
