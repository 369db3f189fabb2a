// `gossamer mesh` as real processes on loopback: flag parsing, JSON logs, minimega's operations through
// the admin API (over a Unix socket), the message stream (SSE), metrics, the JSON error shape, and a
// graceful exit on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { parseMeshFlags, runOperation, UsageError } from "../../src/node/cli/mesh.ts";
import { MeshApiError, meshRequest, meshStream } from "../../src/node/mesh-client.ts";

const bin = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "meshcli-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("gossamer mesh flags", () => {
  it("parses flags over env vars with minimega's defaults", () => {
    expect(parseMeshFlags(["--name", "n1"], {})).toEqual({ name: "n1", namespace: "minimega", degree: 0, port: 9000, broadcast: [], msaSeconds: 10, timeoutSeconds: 10, dial: [], logLevel: "info", logFormat: "auto" });
    expect(
      parseMeshFlags(["--name=n2", "--degree", "3", "--broadcast", "10.0.0.255", "--dial", "a", "--dial", "b:9001", "--msa", "0.5", "--http", "unix:/x"], {
        GOSSAMER_MESH_NAMESPACE: "lab",
        GOSSAMER_MESH_PORT: "9100",
      }),
    ).toMatchObject({ name: "n2", namespace: "lab", degree: 3, port: 9100, broadcast: ["10.0.0.255"], dial: ["a", "b:9001"], msaSeconds: 0.5, http: "unix:/x" });
    for (const bad of [["--name", "a:b"], ["--degree", "-1"], ["--port", "70000"], ["--msa", "0"], ["--broadcast", "nope"], ["--log-level", "loud"], ["--bogus", "1"]]) {
      expect(() => parseMeshFlags(["--name", "x", ...bad], {})).toThrow(UsageError);
    }
  });
});

function start(args: string[]): Promise<{ child: ChildProcess; port: number; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, [bin, "mesh", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const rec = JSON.parse(l) as Record<string, unknown>;
      lines.push(rec);
      if (rec.msg === "mesh listening") resolve({ child, port: Number(rec.port), lines });
    });
    child.once("exit", (code) => reject(new Error(`mesh exited early (${code})`)));
  });
}

describe("gossamer mesh processes", () => {
  it("runs nodes, answers minimega's operations, streams messages, exits on SIGTERM", async () => {
    const httpA = `unix:${path.join(dir, "a.sock")}`;
    const httpB = `unix:${path.join(dir, "b.sock")}`;
    const a = await start(["--name", "a", "--port", "0", "--msa", "0.5", "--http", httpA]);
    const b = await start(["--name", "b", "--port", "0", "--msa", "0.5", "--http", httpB, "--dial", `127.0.0.1:${a.port}`]);
    const out: string[] = [];
    const op = (o: string, http: string, ...args: string[]) => runOperation(o, [...args, "--http", http], {}, (s) => out.push(s));

    await vi.waitFor(async () => expect(((await meshRequest(httpA, "GET", "/v1/mesh/list?mode=all")) as { nodes: string[] }).nodes).toEqual(["a", "b"]), { timeout: 10_000 });
    out.length = 0;
    await op("status", httpA);
    expect(out.join("")).toMatch(/^size \| degree \| peers \| context\s+\| port\s*\n2\s+\| 0\s+\| 1\s+\| minimega \| \d+/);
    out.length = 0;
    await op("list", httpA);
    expect(out.join("")).toBe("a\n |--b\nb\n |--a\n");
    out.length = 0;
    await op("list", httpA, "peers");
    expect(out.join("")).toBe("b\n");
    await op("degree", httpA, "2");
    out.length = 0;
    await op("degree", httpA);
    expect(out.join("")).toBe("2\n");
    out.length = 0;
    await op("timeout", httpA);
    expect(out.join("")).toBe("10s\n");
    const dotFile = path.join(dir, "mesh.dot");
    await op("dot", httpB, dotFile);
    expect(readFileSync(dotFile, "utf8")).toContain('a [style=filled, color=green];\na -- b\n\nb [style=filled, color=red];\n\n}');

    // the message stream at b, then sends from a: to b by name, and to all
    const ac = new AbortController();
    const streamed: Record<string, unknown>[] = [];
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    const following = meshStream(httpB, (l) => streamed.push(JSON.parse(l) as Record<string, unknown>), { signal: ac.signal, onOpen: open });
    await opened;
    out.length = 0;
    expect(await op("send", httpA, "b", "hello", "b")).toBe(0);
    expect(JSON.parse(out.join(""))).toEqual({ recipients: ["b"], unroutable: [], failed: [] });
    expect(await op("send", httpA, "all", "to everyone")).toBe(0);
    await vi.waitFor(() => expect(streamed.map((s) => (s.body as { value: string }).value)).toEqual(["hello b", "to everyone"]));
    expect(streamed[0]).toMatchObject({ seq: 1, from: "a", source: "a", route: ["a", "b"], body: { type: "string", value: "hello b" } });
    ac.abort();
    await following;
    // a late subscriber replays what it missed
    const replay: string[] = [];
    const ac2 = new AbortController();
    const again = meshStream(httpB, (l) => replay.push((JSON.parse(l) as { body: { value: string } }).body.value), { after: 1, signal: ac2.signal });
    await vi.waitFor(() => expect(replay).toEqual(["to everyone"]));
    ac2.abort();
    await again;

    // errors: the JSON shape, and clear failures for unknown peers and `send all` with no one there
    await expect(meshRequest(httpA, "POST", "/v1/mesh/hangup", { host: "nobody" })).rejects.toMatchObject({ status: 404, code: "mesh.no-client" });
    await expect(meshRequest(httpA, "POST", "/v1/mesh/send", { to: "all,b", body: "x" })).rejects.toBeInstanceOf(MeshApiError);
    await expect(meshRequest(httpA, "GET", "/v1/nope")).rejects.toMatchObject({ status: 404, code: "not_found" });
    const metrics = (await meshRequest(httpA, "GET", "/metrics")) as string;
    expect(metrics).toMatch(/gossamer_mesh_messages_sent_total\{command="message"\} 2/);
    expect(metrics).toMatch(/gossamer_mesh_peers 1/);

    await op("hangup", httpA, "b");
    await vi.waitFor(async () => expect(((await meshRequest(httpA, "GET", "/v1/mesh/status")) as { peers: number }).peers).toBe(0));
    await expect(meshRequest(httpA, "POST", "/v1/mesh/send", { to: "all", body: "x" })).rejects.toMatchObject({ status: 409, code: "mesh.no-recipients" });

    for (const n of [a, b]) {
      const exited = new Promise<number | null>((r) => n.child.once("exit", (c) => r(c)));
      n.child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(n.lines.some((l) => l.msg === "mesh shutting down")).toBe(true);
    }
  }, 30_000);
});
