// gossiphttp framing (docs/protocols/ckit.md §2): every message in a /message body and in
// both directions of a /stream is
//
//   short  CC | u16 BE length | payload      (writers use it whenever length <= 65535)
//   long   CD | u32 BE length | payload      (larger payloads; readers also accept it for small ones)
//
// FrameReader takes a body chunk by chunk (HTTP/2 DATA frames cut messages anywhere) and hands out
// complete payloads. Scanning runs on the platform hot path ("ckit-frames": the Wasm scanner or its TS
// twin). Memory is bounded: only an incomplete frame is held, and a declared length over maxFrame is an
// error before anything is buffered. A bad frame raises CkitFrameError; frames before it were already
// delivered (ckit's handler does the same).
import { CKIT_LONG_MAGIC, CKIT_SHORT_MAGIC } from "./frame-constants.ts";
import type { Hotpath } from "../hotpath/index.ts";
import { HotpathFrameError } from "../hotpath/index.ts";
import { CkitErrorCode, CkitFrameError } from "./errors.ts";

export { CKIT_LONG_MAGIC, CKIT_SHORT_MAGIC };

/** Largest payload a long frame can declare. */
export const MAX_FRAME_PAYLOAD = 0xffffffff;

/** Header size for a payload of `len` bytes. */
export function frameHeaderSize(len: number): number {
  return len <= 0xffff ? 3 : 5;
}

/** Writes the header for a `len`-byte payload at out[at]; returns the header size. */
export function writeFrameHeader(out: Uint8Array, at: number, len: number): number {
  if (len <= 0xffff) {
    out[at] = CKIT_SHORT_MAGIC;
    out[at + 1] = len >>> 8;
    out[at + 2] = len & 0xff;
    return 3;
  }
  if (len > MAX_FRAME_PAYLOAD) throw new RangeError(`frame payload of ${len} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  out[at] = CKIT_LONG_MAGIC;
  out[at + 1] = len >>> 24;
  out[at + 2] = (len >>> 16) & 0xff;
  out[at + 3] = (len >>> 8) & 0xff;
  out[at + 4] = len & 0xff;
  return 5;
}

/** One framed message. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  return encodeFrames([payload]);
}

/** Several messages framed back to back (one /message body may carry any number). */
export function encodeFrames(payloads: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of payloads) size += frameHeaderSize(p.length) + p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of payloads) {
    at += writeFrameHeader(out, at, p.length);
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface FrameReaderOptions {
  /** Largest accepted payload (default 10 MiB, ckit's memberlist packet size). */
  maxFrame?: number;
}

export const DEFAULT_MAX_FRAME = 10 * 1024 * 1024;

/** Incremental frame reader. Payloads handed to onFrame are views: copy what must outlive the call. */
export class FrameReader {
  readonly #hot: Hotpath;
  readonly #maxFrame: number;
  readonly #onFrame: (payload: Uint8Array) => void;
  #pending: Uint8Array[] = [];
  #pendingLen = 0;
  /** Bytes the pending frame needs in total (header included); 0 when nothing is pending. */
  #need = 0;
  /** Bytes of the body before the first pending byte (for error offsets). */
  #base = 0;
  #failed: CkitFrameError | undefined;

  constructor(hot: Hotpath, onFrame: (payload: Uint8Array) => void, opts: FrameReaderOptions = {}) {
    this.#hot = hot;
    this.#onFrame = onFrame;
    this.#maxFrame = opts.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.#pendingLen;
  }

  /** Feeds the next body chunk. Throws CkitFrameError (and keeps failing) once the body is bad. */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failed;
    if (chunk.length === 0) return;
    if (this.#pendingLen > 0) {
      this.#pending.push(chunk);
      this.#pendingLen += chunk.length;
      if (this.#pendingLen < this.#need) return;
      const buf = new Uint8Array(this.#pendingLen);
      let at = 0;
      for (const c of this.#pending) {
        buf.set(c, at);
        at += c.length;
      }
      this.#pending = [];
      this.#pendingLen = 0;
      this.#need = 0;
      this.#scan(buf);
      return;
    }
    this.#scan(chunk);
  }

  /** The body ended: an incomplete frame is an error (ckit answers 400). */
  end(): void {
    if (this.#failed) throw this.#failed;
    if (this.#pendingLen > 0) {
      this.#failed = new CkitFrameError(CkitErrorCode.badFrame, `body ended inside a frame (${this.#pendingLen} of ${this.#need} bytes)`, {
        offset: this.#base + this.#pendingLen,
      });
      throw this.#failed;
    }
  }

  #scan(buf: Uint8Array): void {
    const hot = this.#hot;
    let start = 0;
    for (;;) {
      const view = start === 0 ? buf : buf.subarray(start);
      let count: number;
      let consumed: number;
      let status: "ok" | "more" | "full";
      let need = 0;
      let error: HotpathFrameError | undefined;
      try {
        const r = hot.scanCkit(view, { maxFrame: this.#maxFrame });
        count = r.count;
        consumed = r.consumed;
        status = r.status;
        need = r.need;
      } catch (err) {
        if (!(err instanceof HotpathFrameError)) throw err;
        error = err;
        count = err.frames;
        consumed = err.offset ?? 0;
        status = "ok";
      }
      // Copy the pairs out first: a frame handler may use the same hot-path instance (CRC, hashes).
      const pairs = hot.pairs();
      const spans = new Array<number>(2 * count);
      for (let i = 0; i < 2 * count; i++) spans[i] = pairs[i]!;
      for (let i = 0; i < count; i++) this.#onFrame(view.subarray(spans[2 * i]!, spans[2 * i]! + spans[2 * i + 1]!));
      if (error) {
        this.#failed = new CkitFrameError(CkitErrorCode.badFrame, error.code === "frame_too_large" ? `frame over the ${this.#maxFrame}-byte limit` : "unrecognized magic byte", {
          offset: this.#base + start + consumed,
          cause: error,
        });
        throw this.#failed;
      }
      if (status === "full") {
        start += consumed;
        continue;
      }
      this.#base += start + consumed;
      if (status === "more") {
        const rest = view.subarray(consumed);
        this.#pending = [rest];
        this.#pendingLen = rest.length;
        this.#need = need;
      }
      return;
    }
  }
}
