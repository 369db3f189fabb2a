// Shard keys (docs/protocols/ckit.md §5): a key is a uint64; StringKey(s) is the XXH64 (seed 0)
// of the string's UTF-8 bytes, and a KeyBuilder streams bytes into the same digest. Both run on the
// platform hot path's "xxh64" use (Wasm or its TS twin).
import type { Hotpath, Xxh64Stream } from "../../hotpath/index.ts";

const enc = new TextEncoder();

/** XXH64 of s (UTF-8). Lone surrogates (not valid UTF-8 anyway) encode as U+FFFD, as TextEncoder does. */
export function stringKey(hot: Hotpath, s: string): bigint {
  return hot.xxh64(enc.encode(s));
}

/** XXH64 of raw bytes (keys for names that are not valid UTF-8). */
export function bytesKey(hot: Hotpath, b: Uint8Array): bigint {
  return hot.xxh64(b);
}

/** Builds a key from pieces: key() equals the XXH64 of everything written since the last reset(). */
export class KeyBuilder {
  readonly #hot: Hotpath;
  #stream: Xxh64Stream;

  constructor(hot: Hotpath) {
    this.#hot = hot;
    this.#stream = hot.xxh64Stream();
  }

  write(data: Uint8Array | string): this {
    this.#stream.update(typeof data === "string" ? enc.encode(data) : data);
    return this;
  }

  reset(): this {
    this.#stream = this.#hot.xxh64Stream();
    return this;
  }

  key(): bigint {
    return this.#stream.digest();
  }
}
