// Process-wide memory budget for inbound streams (accepted TCP connections) of the Node transport.
//
// Why: the codec buffers one whole stream message before decoding it (up to maxStreamBytes, 16 MiB by
// default), the transport accepts up to 256 connections, and the 128 concurrent push/pull cap applies
// only after a message was read, so without a shared bound a few hundred large or slow streams could
// make the process hold gigabytes.
//
// Accounting: every byte received on an accepted connection is charged when it arrives, and the
// connection's whole charge is released when it closes (memberlist streams carry one request, and the
// reader keeps all of it until the message is decoded, so received bytes are what an in-flight read
// holds). Invariants:
// - A chunk is admitted when the connection's total stays within FREE_BYTES_PER_STREAM (pings, small
//   user messages, the pool prefix always get through), or when the budget has room for it. Otherwise
//   the connection is closed (the reader sees TransportClosedError) and the refusal is counted.
// - Hence `used` <= limit + open connections x FREE_BYTES_PER_STREAM (with 256 streams: limit + 1 MiB).
//   Heap held by reads is at most about twice `used` (the codec's buffer grows by doubling).
// - Closing, rather than pausing, frees memory at once: a paused set of slow streams would hold the
//   budget until their deadlines and stall every other stream; a cut stream's dialer simply retries.
const MiB = 1024 * 1024;

/** Default process-wide budget: room for four maximal (16 MiB) stream messages at once. */
export const DEFAULT_STREAM_BUDGET_BYTES = 64 * MiB;
/** Bytes each connection may always receive, whatever the budget (a ping is ~50 bytes). */
export const FREE_BYTES_PER_STREAM = 4096;

export interface StreamBudgetStats {
  limit: number;
  /** Bytes currently charged to open inbound streams. */
  used: number;
  /** Highest `used` seen. */
  peak: number;
  /** Connections closed because the budget was exhausted. */
  rejected: number;
}

export class StreamBudget {
  readonly limit: number;
  #used = 0;
  #peak = 0;
  #rejected = 0;
  /** True from the first refusal until usage falls to half the limit: one log line per episode. */
  #exhausted = false;

  constructor(limitBytes: number = DEFAULT_STREAM_BUDGET_BYTES) {
    if (!Number.isFinite(limitBytes) || limitBytes < 0) throw new RangeError(`stream budget must be a non-negative number of bytes, got ${limitBytes}`);
    this.limit = limitBytes;
  }

  get used(): number {
    return this.#used;
  }

  /**
   * Charges `n` more bytes to a connection already charged `held`. Returns false (charging nothing and
   * counting a refusal) when the connection is past its free bytes and the budget has no room.
   */
  take(held: number, n: number): boolean {
    if (held + n > FREE_BYTES_PER_STREAM && this.#used + n > this.limit) {
      this.#rejected++;
      return false;
    }
    this.#used += n;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  /** Returns a closed connection's charge. */
  release(n: number): void {
    this.#used = Math.max(0, this.#used - n);
    if (this.#used <= this.limit / 2) this.#exhausted = false;
  }

  /** True for the first refusal of an exhaustion episode (the caller logs one line then). */
  firstRefusal(): boolean {
    if (this.#exhausted) return false;
    this.#exhausted = true;
    return true;
  }

  stats(): StreamBudgetStats {
    return { limit: this.limit, used: this.#used, peak: this.#peak, rejected: this.#rejected };
  }
}

/** Shared by every transport in the process unless one is given its own. */
export const processStreamBudget = new StreamBudget();
