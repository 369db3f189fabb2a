// Test helpers: a chunked in-memory StreamConn (message boundaries deliberately not preserved), text
// helpers, and the AES key of the vectors file.
import type { StreamConn } from "../../../src/transport/transport.ts";
import { AES_KEY_HEX, hex } from "./vectors.ts";

export const AES_KEY = hex(AES_KEY_HEX);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const ip4 = (a: number, b: number, c: number, d: number): Uint8Array => new Uint8Array([a, b, c, d]);

/** A StreamConn that yields `data` in chunks of the given sizes (cycled), then EOF (or hangs if !eof). */
export function chunkedConn(data: Uint8Array, sizes: number[] = [data.length || 1], eof = true): StreamConn & { written: Uint8Array[]; reads: number } {
  let at = 0;
  let i = 0;
  const written: Uint8Array[] = [];
  const conn = {
    remote: "test:1",
    written,
    reads: 0,
    async read(): Promise<Uint8Array | null> {
      conn.reads++;
      if (at >= data.length) {
        if (eof) return null;
        return new Promise<never>(() => {});
      }
      const n = Math.max(1, sizes[i++ % sizes.length]!);
      const chunk = data.slice(at, at + n);
      at += n;
      return chunk;
    },
    async write(d: Uint8Array): Promise<void> {
      written.push(d.slice());
    },
    setDeadline(): void {},
    close(): void {},
  };
  return conn;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
