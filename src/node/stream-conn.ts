// StreamConn over a node:net Socket: chunks are queued as they arrive and handed out one per read()
// (no message framing: memberlist parses incrementally, and the dialer never half-closes). Invariants:
// at most `maxBufferedBytes` wait unread (the socket is paused past that, so a fast or hostile writer
// cannot grow memory), a read past the deadline rejects with TransportTimeoutError, and close() flushes
// what was written before destroying the socket. With a StreamBudget (accepted streams), every received
// byte is charged to it until the connection closes; a chunk the budget refuses closes the connection.
// charge() adds memory derived from the stream (decompressed output) to the same account. A peer that
// closes right after writing (Go's sendUserMsg does) leaves a complete message still being decoded: its
// received bytes are released when the socket closes, derived memory is still charged and is released
// by our close() (the accepting side always closes when it is done with the request).
import type { Socket } from "node:net";
import type { StreamConn } from "../transport/index.ts";
import type { Clock } from "../util/index.ts";
import type { StreamBudget } from "./stream-budget.ts";
import { TransportClosedError, TransportTimeoutError } from "../transport/index.ts";

const DEFAULT_MAX_BUFFERED = 1 << 20;
/** After close() ends our side, how long the peer gets to close its side before we destroy. */
const LINGER_MS = 2_000;

export interface SocketStreamConnOptions {
  /** Unread bytes queued before the socket is paused (default 1 MiB). */
  maxBufferedBytes?: number;
  onClose?: () => void;
  /** Charge received bytes to this budget until close (accepted streams). */
  budget?: StreamBudget;
  /** Called after the budget refused a chunk and the connection was closed. */
  onOverBudget?: () => void;
}

export class SocketStreamConn implements StreamConn {
  readonly remote: string;
  #sock: Socket;
  #clock: Clock;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #closed = false;
  #deadline = 0;
  #waiter: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void } | undefined;
  #timer: ReturnType<Clock["setTimeout"]> | undefined;
  #maxBuffered: number;
  #onClose: (() => void) | undefined;
  #budget: StreamBudget | undefined;
  #charged = 0;
  #onOverBudget: (() => void) | undefined;

  constructor(sock: Socket, remote: string, clock: Clock, opts: SocketStreamConnOptions = {}) {
    this.remote = remote;
    this.#sock = sock;
    this.#clock = clock;
    this.#maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#onClose = opts.onClose;
    this.#budget = opts.budget;
    this.#onOverBudget = opts.onOverBudget;
    sock.on("data", (buf: Buffer) => this.#push(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)));
    sock.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    sock.on("error", (err) => {
      this.#error = err;
      this.#wake();
    });
    sock.on("close", () => {
      this.#ended = true; // not #closed: the request may still be decoding and charging (see charge())
      this.#release();
      this.#wake();
      const cb = this.#onClose;
      this.#onClose = undefined;
      cb?.();
    });
  }

  /**
   * Charges derived memory (decompressed/decrypted output) to the budget; false when it has no room or
   * after close() (nobody decodes any more). Charges after the peer closed are released by close().
   */
  charge(bytes: number): boolean {
    const b = this.#budget;
    if (!b) return true;
    if (this.#closed) return false;
    if (!b.take(this.#charged, bytes)) {
      this.#onOverBudget?.();
      return false;
    }
    this.#charged += bytes;
    return true;
  }

  /** Put bytes back at the front of the queue (used by the pool mux after peeking at a prefix). */
  unshift(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#queue.unshift(chunk);
    this.#queued += chunk.length;
  }

  #push(chunk: Uint8Array): void {
    if (this.#closed) return; // drained after close(): nobody reads it
    if (this.#budget) {
      if (!this.#budget.take(this.#charged, chunk.length)) return this.#overBudget();
      this.#charged += chunk.length;
    }
    if (this.#waiter && this.#queue.length === 0) {
      const w = this.#waiter;
      this.#clearWaiter();
      w.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > this.#maxBuffered) this.#sock.pause();
  }

  /** The budget refused a chunk: drop what is queued, fail reads, destroy the socket. */
  #overBudget(): void {
    this.#error = new Error("inbound stream budget exhausted");
    this.#closed = true; // no further chunk is charged, no write is attempted
    this.#queue = [];
    this.#queued = 0;
    this.#release();
    this.#sock.destroy();
    this.#wake();
    this.#onOverBudget?.();
  }

  #release(): void {
    if (this.#budget && this.#charged > 0) this.#budget.release(this.#charged);
    this.#charged = 0;
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    if (this.#queue.length > 0) return; // data first; #push handles the waiter
    this.#clearWaiter();
    if (this.#error) w.reject(new TransportClosedError(`stream ${this.remote}: ${this.#error.message}`, { cause: this.#error }));
    else w.resolve(null);
  }

  #clearWaiter(): void {
    this.#waiter = undefined;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  read(): Promise<Uint8Array | null> {
    if (this.#waiter) return Promise.reject(new TransportClosedError("concurrent read on one stream"));
    const chunk = this.#queue.shift();
    if (chunk) {
      this.#queued -= chunk.length;
      if (this.#queued <= this.#maxBuffered && this.#sock.isPaused()) this.#sock.resume();
      return Promise.resolve(chunk);
    }
    if (this.#error) return Promise.reject(new TransportClosedError(`stream ${this.remote}: ${this.#error.message}`, { cause: this.#error }));
    if (this.#ended) return Promise.resolve(null);
    const now = this.#clock.now();
    if (this.#deadline > 0 && now >= this.#deadline) return Promise.reject(new TransportTimeoutError(`read deadline passed on stream ${this.remote}`));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      if (this.#deadline > 0) {
        this.#timer = this.#clock.setTimeout(() => {
          this.#timer = undefined;
          const w = this.#waiter;
          this.#waiter = undefined;
          w?.reject(new TransportTimeoutError(`read deadline passed on stream ${this.remote}`));
        }, Math.max(0, this.#deadline - now));
      }
      if (this.#sock.isPaused()) this.#sock.resume();
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#sock.destroyed || this.#sock.writableEnded) {
      return Promise.reject(new TransportClosedError(`write on closed stream ${this.remote}`));
    }
    return new Promise((resolve, reject) => {
      this.#sock.write(data, (err) => (err ? reject(new TransportClosedError(`write to ${this.remote}: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  setDeadline(atMs: number): void {
    this.#deadline = atMs;
    // Re-arm a pending read with the new deadline.
    const w = this.#waiter;
    if (!w) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (atMs > 0) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        const ww = this.#waiter;
        this.#waiter = undefined;
        ww?.reject(new TransportTimeoutError(`read deadline passed on stream ${this.remote}`));
      }, Math.max(0, atMs - this.#clock.now()));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    this.#release();
    const w = this.#waiter;
    this.#clearWaiter();
    w?.resolve(null);
    const sock = this.#sock;
    if (sock.destroyed) return;
    // end() flushes pending writes then sends FIN; destroy if the peer lingers.
    sock.end();
    const t = setTimeout(() => sock.destroy(), LINGER_MS);
    t.unref();
    sock.once("close", () => clearTimeout(t));
    sock.resume(); // drain whatever the peer still sends so its close arrives
  }
}
