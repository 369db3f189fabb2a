// Logger seam: the portable core logs through this shape (pino-compatible: object first, message second),
// so Node can hand in pino and the worker a JSON console logger. Never log packet payloads.
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

/** Log levels, lowest first (pino's names; the Node CLI's --log-level and the worker's LOG_LEVEL). */
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

const noop = (): void => {};
export const nullLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => nullLogger };

/** JSON-lines logger on console (used by the worker; workerd captures console output). */
export function consoleJsonLogger(bindings: object = {}, level: LogLevel = "info"): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
  const emit = (lvl: keyof typeof order) => (obj: object, msg?: string) => {
    if (order[lvl] < order[level]) return;
    console.log(JSON.stringify({ level: lvl, time: Date.now(), ...bindings, ...obj, ...(msg ? { msg } : {}) }));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (b) => consoleJsonLogger({ ...bindings, ...b }, level),
  };
}
