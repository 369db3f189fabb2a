// How a long-running `gossamer` command (agent, relay, mesh) ends. Guards one rule: a daemon leaves
// gracefully (the agent leaves its cluster, the relay says goodbye to its peers) whenever it is asked to
// stop OR loses the process that started it:
// - SIGINT, SIGTERM and SIGHUP start the graceful stop (SIGHUP too: a closed terminal or a dying wrapper
//   sends it, and gossamer has no config reload that it could mean); a second signal exits at once.
// - Parent death: a wrapper such as `npx` does not pass SIGTERM on, and when it is killed the daemon is
//   re-parented (to init or a subreaper). The daemon polls its parent process ID and treats a change as
//   a stop request, so it still leaves within about a second. (Under systemd the parent is PID 1 from
//   the start and never changes, so nothing is detected there; systemd sends SIGTERM itself.)
// - Something inside the daemon may end it too (the agent after --retry-max failed joins): stop(reason, code).
import type { Logger } from "../../util/index.ts";

export interface DaemonOptions {
  logger: Logger;
  /** The graceful stop: leave, close sockets. Its failure is logged and the exit code becomes 1. */
  stop(reason: string): Promise<void>;
  /** How often the parent process ID is checked, ms (default 1000; 0 = never). */
  parentPollMs?: number;
  /** Test seam: the process whose signals and parent are watched (default the real one). */
  proc?: Pick<NodeJS.Process, "on" | "off" | "ppid">;
}

export interface Daemon {
  /** Resolves with the exit code once the daemon has stopped. */
  readonly done: Promise<number>;
  /** Starts the graceful stop from inside (first call wins); `code` is the exit code on success. */
  stop(reason: string, code?: number): void;
}

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function runDaemon(o: DaemonOptions): Daemon {
  const proc = o.proc ?? process;
  const log = o.logger;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let stopping = false;
  const startPpid = proc.ppid;
  let poll: ReturnType<typeof setInterval> | undefined;

  const cleanup = () => {
    for (const s of STOP_SIGNALS) proc.off(s, handlers[s]);
    if (poll !== undefined) clearInterval(poll);
  };
  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    if (poll !== undefined) clearInterval(poll);
    o.stop(reason).then(
      () => {
        cleanup();
        resolveDone(code);
      },
      (err: unknown) => {
        log.error({ err: (err as Error).message, reason }, "graceful stop failed");
        cleanup();
        resolveDone(1);
      },
    );
  };
  const handlers = Object.fromEntries(
    STOP_SIGNALS.map((s) => [
      s,
      () => {
        if (stopping) {
          log.warn({ signal: s }, "second signal: exiting now");
          cleanup();
          resolveDone(1);
          return;
        }
        log.info({ signal: s }, "stopping");
        stop(s);
      },
    ]),
  ) as Record<(typeof STOP_SIGNALS)[number], () => void>;
  for (const s of STOP_SIGNALS) proc.on(s, handlers[s]);

  const every = o.parentPollMs ?? 1000;
  if (every > 0) {
    poll = setInterval(() => {
      const now = proc.ppid;
      if (now !== startPpid) {
        log.warn({ parent: startPpid, now }, "parent process exited: stopping");
        stop("parent-exit");
      }
    }, every);
    poll.unref();
  }
  return { done, stop };
}

/** Sets the exit code and makes sure leftover timers cannot keep a stopped daemon alive. */
export function exitSoon(code: number): number {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
