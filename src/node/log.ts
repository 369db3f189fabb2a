// JSON-lines logging for the Node commands: pino behind the portable Logger seam (src/util/logger.ts).
// One line per event on stdout (or the given fd); levels debug < info < warn < error.
import pino from "pino";
import type { Logger, LogLevel } from "../util/index.ts";

export interface LogOptions {
  level?: LogLevel;
  /** Fixed fields on every line (e.g. node name). */
  bindings?: Record<string, unknown>;
  /** Destination file descriptor (default 1, stdout). */
  fd?: number;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const dest = pino.destination({ fd: opts.fd ?? 1, sync: true });
  const p = pino(
    {
      level: opts.level ?? "info",
      base: { ...(opts.bindings ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (o, m) => p.debug(o, m),
    info: (o, m) => p.info(o, m),
    warn: (o, m) => p.warn(o, m),
    error: (o, m) => p.error(o, m),
    child: (b) => wrap(p.child(b)),
  };
}
