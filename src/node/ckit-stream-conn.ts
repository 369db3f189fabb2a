// StreamConn over one HTTP/2 stream of the gossiphttp transport (docs/protocols/ckit.md §1.3):
// the request body and response body of a POST /api/v1/ckit/transport/stream, each a sequence of frames
// (CC u16 / CD u32 + payload). Each write() is exactly one frame; reads hand out frame payloads in
// order (memberlist parses incrementally, so boundaries do not matter to it).
//
// Invariants: at most `maxBufferedBytes` of payload wait unread (past that the HTTP/2 stream is paused
// and flow control stops the peer); on accepted streams every received byte is charged to the process
// StreamBudget until close; a malformed frame fails reads with TransportClosedError; a read past the
// deadline rejects with TransportTimeoutError (write deadlines do not exist, as in ckit); close() ends
// our side (END_STREAM) after pending writes, and resets the stream if the peer has not ended its side
// within LINGER_MS.
import { constants, type Http2Stream } from "node:http2";
import type { StreamConn } from "../transport/index.ts";
import type { Clock, TimerHandle } from "../util/index.ts";
import type { Hotpath } from "../hotpath/index.ts";
import { FrameReader, frameHeaderSize, writeFrameHeader, type TransportMetrics } from "../ckit/index.ts";
import type { StreamBudget } from "./stream-budget.ts";
import { TransportClosedError, TransportTimeoutError } from "../transport/index.ts";

const DEFAULT_MAX_BUFFERED = 1 << 20;
const LINGER_MS = 2_000;

export interface H2StreamConnOptions {
  hot: Hotpath;
  clock: Clock;
  metrics: TransportMetrics;
  maxFrame: number;
  maxBufferedBytes?: number;
  /** Charge received bytes to this budget (accepted streams). */
  budget?: StreamBudget;
  onClose?: () => void;
}

export class H2StreamConn implements StreamConn {
  readonly remote: string;
  readonly #s: Http2Stream;
  readonly #o: H2StreamConnOptions;
  readonly #reader: FrameReader;
  readonly #max: number;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #closed = false;
  #deadline = 0;
  #waiter: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void } | undefined;
  #timer: TimerHandle | undefined;
  #charged = 0;
  #onClose: (() => void) | undefined;

  constructor(stream: Http2Stream, remote: string, o: H2StreamConnOptions) {
    this.remote = remote;
    this.#s = stream;
    this.#o = o;
    this.#max = o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#onClose = o.onClose;
    o.metrics.streamOpened();
    this.#reader = new FrameReader(o.hot, (payload) => this.#push(payload), { maxFrame: o.maxFrame });
    stream.on("data", (chunk: Buffer) => this.#data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    stream.on("end", () => {
      try {
        this.#reader.end();
      } catch (err) {
        this.#fail(err as Error);
        return;
      }
      this.#ended = true;
      this.#wake();
    });
    stream.on("error", (err: Error) => this.#fail(err));
    stream.on("close", () => {
      this.#ended = true;
      this.#finish();
      this.#wake();
    });
  }

  #data(chunk: Uint8Array): void {
    if (this.#closed || this.#error) return;
    const b = this.#o.budget;
    if (b) {
      if (!b.take(this.#charged, chunk.length)) {
        this.#fail(new Error("inbound stream budget exhausted"));
        this.#s.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
        return;
      }
      this.#charged += chunk.length;
    }
    try {
      this.#reader.push(chunk);
    } catch (err) {
      this.#o.metrics.streamRxFailed();
      this.#fail(err as Error);
      this.#s.close(constants.NGHTTP2_PROTOCOL_ERROR);
    }
  }

  #push(payload: Uint8Array): void {
    this.#o.metrics.streamRx(payload.length);
    if (payload.length === 0) return;
    const w = this.#waiter;
    if (w && this.#queue.length === 0) {
      this.#clearWaiter();
      w.resolve(payload);
      return;
    }
    this.#queue.push(payload);
    this.#queued += payload.length;
    if (this.#queued > this.#max) this.#s.pause();
  }

  #fail(err: Error): void {
    if (!this.#error) this.#error = err;
    this.#wake();
  }

  #finish(): void {
    if (this.#o.budget && this.#charged > 0) this.#o.budget.release(this.#charged);
    this.#charged = 0;
    const cb = this.#onClose;
    if (cb) {
      this.#onClose = undefined;
      this.#o.metrics.streamClosed();
      cb();
    }
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w || this.#queue.length > 0) return;
    this.#clearWaiter();
    if (this.#error && !this.#closed) w.reject(new TransportClosedError(`stream ${this.remote}: ${this.#error.message}`, { cause: this.#error }));
    else w.resolve(null);
  }

  #clearWaiter(): void {
    this.#waiter = undefined;
    if (this.#timer !== undefined) {
      this.#o.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  read(): Promise<Uint8Array | null> {
    if (this.#waiter) return Promise.reject(new TransportClosedError("concurrent read on one stream"));
    const chunk = this.#queue.shift();
    if (chunk) {
      this.#queued -= chunk.length;
      if (this.#queued <= this.#max && this.#s.isPaused()) this.#s.resume();
      return Promise.resolve(chunk);
    }
    if (this.#error && !this.#closed) return Promise.reject(new TransportClosedError(`stream ${this.remote}: ${this.#error.message}`, { cause: this.#error }));
    if (this.#ended || this.#closed) return Promise.resolve(null);
    const now = this.#o.clock.now();
    if (this.#deadline > 0 && now >= this.#deadline) return Promise.reject(new TransportTimeoutError(`read deadline passed on stream ${this.remote}`));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#arm();
      if (this.#s.isPaused()) this.#s.resume();
    });
  }

  #arm(): void {
    if (this.#deadline <= 0 || !this.#waiter) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      const w = this.#waiter;
      this.#waiter = undefined;
      w?.reject(new TransportTimeoutError(`read deadline passed on stream ${this.remote}`));
    }, Math.max(0, this.#deadline - this.#o.clock.now()));
  }

  write(data: Uint8Array): Promise<void> {
    const s = this.#s;
    if (this.#closed || s.destroyed || s.writableEnded) {
      this.#o.metrics.streamTxFailed();
      return Promise.reject(new TransportClosedError(`write on closed stream ${this.remote}`));
    }
    const hdr = new Uint8Array(frameHeaderSize(data.length));
    writeFrameHeader(hdr, 0, data.length);
    return new Promise((resolve, reject) => {
      s.write(hdr);
      s.write(data, (err) => {
        if (err) {
          this.#o.metrics.streamTxFailed();
          reject(new TransportClosedError(`write to ${this.remote}: ${err.message}`, { cause: err }));
        } else {
          this.#o.metrics.streamTx(data.length);
          resolve();
        }
      });
    });
  }

  setDeadline(atMs: number): void {
    this.#deadline = atMs;
    if (!this.#waiter) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#arm();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    const w = this.#waiter;
    this.#clearWaiter();
    w?.resolve(null);
    const s = this.#s;
    if (s.destroyed || s.closed) return this.#finish();
    s.resume(); // drain what the peer still sends so its END_STREAM arrives
    if (!s.writableEnded) s.end();
    const t = setTimeout(() => {
      if (!s.closed && !s.destroyed) s.close(constants.NGHTTP2_CANCEL);
    }, LINGER_MS);
    t.unref();
    s.once("close", () => clearTimeout(t));
  }
}
