// Logger seam: the portable core logs through this shape (pino-compatible: object first, message second),
// so Node can hand in pino and the worker a JSON console logger. Never log packet payloads.
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

const noop = (): void => {};
export const nullLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => nullLogger };

/** JSON-lines logger on console (used by the worker; workerd captures console output). */
export function consoleJsonLogger(bindings: object = {}, level: "debug" | "info" | "warn" | "error" = "info"): Logger {
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
