// Logging for the Node commands: pino behind the portable Logger seam (src/util/logger.ts). Levels debug <
// info < warn < error. Two formats: JSON lines (one event per line, for journald, log shippers and tests)
// and human-readable lines (pino-pretty: time, level, message, fields; coloured) for a person at a
// terminal. "auto" (the default) picks pretty when the destination is a terminal, JSON otherwise, as
// consul and serf print differently to a terminal. pino-pretty is loaded only when used, so a daemon
// writing JSON never loads it.
import { isatty } from "node:tty";
import { createRequire } from "node:module";
import pino from "pino";
import type { Logger, LogLevel } from "../util/index.ts";

export type LogFormat = "json" | "pretty" | "auto";

export interface LogOptions {
  level?: LogLevel;
  /** Fixed fields on every line (e.g. node name). */
  bindings?: Record<string, unknown>;
  /** Destination file descriptor (default 1, stdout). */
  fd?: number;
  /** Default "auto": pretty on a terminal, JSON lines otherwise. */
  format?: LogFormat;
}

/** The format "auto" resolves to for `fd`. */
export function resolveLogFormat(format: LogFormat, fd: number): "json" | "pretty" {
  if (format !== "auto") return format;
  return isatty(fd) ? "pretty" : "json";
}

export function createLogger(opts: LogOptions = {}): Logger {
  const fd = opts.fd ?? 1;
  const format = resolveLogFormat(opts.format ?? "auto", fd);
  const dest = format === "pretty" ? prettyStream(fd) : pino.destination({ fd, sync: true });
  const p = pino(
    {
      level: opts.level ?? "info",
      base: { ...(opts.bindings ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Our `err` fields are messages, not Error objects: pino-pretty would print them as a stack block.
      ...(format === "pretty" ? { errorKey: "exception" } : {}),
    },
    dest,
  );
  return wrap(p);
}

type PrettyFactory = (o: Record<string, unknown>) => pino.DestinationStream;

/** A synchronous pino-pretty stream to `fd` (no worker thread: lines are written in order at once). */
function prettyStream(fd: number): pino.DestinationStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as PrettyFactory | { default: PrettyFactory };
  const make = typeof pretty === "function" ? pretty : pretty.default;
  return make({
    destination: fd,
    sync: true,
    colorize: isatty(fd),
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
    errorLikeObjectKeys: ["exception"],
    // Our level field is the label (formatters above); tell pino-pretty so it still colours it.
    customLevels: "debug:20,info:30,warn:40,error:50",
    useOnlyCustomProps: false,
  });
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
