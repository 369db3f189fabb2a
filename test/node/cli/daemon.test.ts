// runDaemon: a daemon stops gracefully on SIGINT/SIGTERM/SIGHUP, when its parent process goes away
// (the parent PID changes: an `npx` wrapper was killed), or from inside; a second signal exits at once.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { runDaemon } from "../../../src/node/cli/daemon.ts";
import { captureLogger, type LogLine } from "../../helpers/capture-logger.ts";
import { waitUntil } from "../../helpers/wait.ts";

class FakeProcess extends EventEmitter {
  ppid = 4242;
}

function start(opts: { parentPollMs?: number; stop?: (reason: string) => Promise<void> } = {}) {
  const proc = new FakeProcess();
  const lines: LogLine[] = [];
  const reasons: string[] = [];
  const d = runDaemon({
    logger: captureLogger(lines),
    proc: proc as unknown as NodeJS.Process,
    parentPollMs: opts.parentPollMs ?? 0,
    stop: opts.stop ?? (async (r) => void reasons.push(r)),
  });
  return { proc, lines, reasons, d };
}

describe("runDaemon", () => {
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    it(`stops gracefully on ${sig} and removes its handlers`, async () => {
      const { proc, reasons, d } = start();
      expect(proc.listenerCount(sig)).toBe(1);
      proc.emit(sig);
      expect(await d.done).toBe(0);
      expect(reasons).toEqual([sig]);
      expect(proc.listenerCount(sig)).toBe(0);
    });
  }

  it("stops when the parent process changes", async () => {
    const { proc, reasons, d, lines } = start({ parentPollMs: 5 });
    proc.ppid = 1; // re-parented to init: the wrapper died
    expect(await d.done).toBe(0);
    expect(reasons).toEqual(["parent-exit"]);
    expect(lines.some((l) => l.msg === "parent process exited: stopping" && l.parent === 4242 && l.now === 1)).toBe(true);
  });

  it("a second signal during the stop exits at once with 1", async () => {
    let release!: () => void;
    const { proc, d } = start({ stop: () => new Promise<void>((r) => (release = r)) });
    proc.emit("SIGTERM");
    await waitUntil("stop started", () => release !== undefined);
    proc.emit("SIGINT");
    expect(await d.done).toBe(1);
    release();
  });

  it("stop(reason, code) from inside ends with that code; a failing stop ends with 1", async () => {
    const a = start();
    a.d.stop("retry-join-exhausted", 1);
    a.d.stop("again", 0); // first call wins
    expect(await a.d.done).toBe(1);
    expect(a.reasons).toEqual(["retry-join-exhausted"]);
    const b = start({ stop: async () => Promise.reject(new Error("boom")) });
    b.proc.emit("SIGTERM");
    expect(await b.d.done).toBe(1);
    expect(b.lines.some((l) => l.level === "error" && l.err === "boom")).toBe(true);
  });
});
