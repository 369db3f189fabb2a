// The two hot-path implementations every shared suite runs against, and small helpers for the suites.
import { createHotpath, HotpathFrameError } from "../../src/hotpath/index.ts";
import type { Hotpath, HotpathOptions } from "../../src/hotpath/index.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";

export const IMPLS: [kind: "wasm" | "ts", make: (o?: HotpathOptions) => Hotpath][] = [
  ["wasm", (o) => createHotpath(hotpathModule(), o)],
  ["ts", (o) => createHotpath(undefined, o)],
];

export const enc = new TextEncoder();
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Runs fn and returns its value or a plain description of the typed error (anything else is rethrown). */
export function outcome<T>(fn: () => T): { ok: T } | { err: { code: string; offset: number | undefined; frames: number; truncated: number } } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof HotpathFrameError) return { err: { code: e.code, offset: e.offset, frames: e.frames, truncated: e.truncated } };
    throw e;
  }
}

/** A ckit stream: short frames for payloads <= 65535 bytes unless `long` forces 0xCD. */
export function ckit(payloads: Uint8Array[], long = false): Uint8Array {
  const parts: number[] = [];
  for (const p of payloads) {
    if (!long && p.length <= 0xffff) parts.push(0xcc, p.length >>> 8, p.length & 0xff);
    else parts.push(0xcd, p.length >>> 24, (p.length >>> 16) & 0xff, (p.length >>> 8) & 0xff, p.length & 0xff);
    parts.push(...p);
  }
  return Uint8Array.from(parts);
}

export function compound(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [0x07, parts.length];
  for (const p of parts) out.push(p.length >>> 8, p.length & 0xff);
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}
