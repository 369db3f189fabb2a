// Test helper: a Logger that appends every line (level, bindings, fields, msg) to an array, so tests can
// assert on what a component logged without parsing output.
import type { Logger } from "../../src/util/logger.ts";

export interface LogLine {
  level: string;
  msg?: string;
  [k: string]: unknown;
}

export function captureLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, ...bindings, ...(obj as Record<string, unknown>), ...(msg ? { msg } : {}) });
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: (b) => captureLogger(lines, { ...bindings, ...b }) };
}
