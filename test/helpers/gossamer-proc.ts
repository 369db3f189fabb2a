// Test helper: `gossamer` as a real process (bin/gossamer.js by default, or an installed package's bin),
// with its stdout JSON log lines collected and helpers to wait for a line or for the exit.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitUntil } from "./wait.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const repoBin = path.join(repoRoot, "bin", "gossamer.js");

export interface GossamerProc {
  proc: ChildProcess;
  /** Parsed JSON log lines (a line that is not JSON is kept as { raw }). */
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line whose msg is `msg` (and that passes `where`). */
  line(msg: string, timeout?: number, where?: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const all: ChildProcess[] = [];

/** SIGKILLs every process still running (call from afterAll). */
export function killAll(): void {
  for (const p of all) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

export function collect(proc: ChildProcess): GossamerProc {
  all.push(proc);
  const lines: Record<string, unknown>[] = [];
  let buf = "";
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        lines.push({ raw: text });
      }
    }
  });
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    line: (msg, timeout = 20_000, where = () => true) => waitUntil(`log line "${msg}"`, () => lines.find((l) => l["msg"] === msg && where(l)), { timeout, interval: 50 }),
  };
}

/** Spawns `node BIN args...` (default: this Node and the repository's bin). */
export function gossamer(args: string[], o: { env?: NodeJS.ProcessEnv; bin?: string; node?: string; cwd?: string } & Pick<SpawnOptions, "detached"> = {}): GossamerProc {
  const proc = spawn(o.node ?? process.execPath, [o.bin ?? repoBin, ...args], {
    env: { ...process.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.detached ? { detached: true } : {}),
  });
  return collect(proc);
}
