// The cross-shard link's wire format: what one relay shard sends another over their link WebSocket
// (worker/forwarder.ts opens it, worker/relay-shard.ts accepts it). Worker-internal (both ends deploy
// together), the analogue of openZro's FWD payload (docs/protocols/relay.md §9.1). Every link message is
// one binary WebSocket message:
//
//   FORWARD  [0x01] then records, each [len u16 BE][dst peer ID, 36 raw bytes][relay message, len bytes]
//            (sender -> receiver). The message's own ID slot already names the SOURCE, so the destination
//            travels beside it, raw: neither end builds the printable ID to route a packet.
//   MISSING  [0x02] then 36-byte peer IDs (receiver -> sender): destinations of FORWARD records the
//            receiver does not hold, so the sender forgets their cached location.
//
// Relay messages are at most 8820 bytes, so u16 is enough. Append-only: a new layout gets a new type byte.
import { GossamerError } from "../src/util/index.ts";

export const LINK_FORWARD = 0x01;
export const LINK_MISSING = 0x02;
export const FWD_MAX_MESSAGE = 0xffff;
export const FWD_ID = 36;
/** Bytes of a FORWARD record before its message. */
export const FWD_RECORD_HEAD = 2 + FWD_ID;

export class ForwardBatchError extends GossamerError {
  constructor(message: string, offset: number) {
    super("forward_batch.malformed", message, { offset });
  }
}

/** Accumulates FORWARD records in one growing buffer; `take()` returns the link message and resets. */
export class BatchWriter {
  private buf = new Uint8Array(4096);
  private size = 1;
  count = 0;

  constructor() {
    this.buf[0] = LINK_FORWARD;
  }

  /** Bytes queued (the type byte included). */
  get bytes(): number {
    return this.size;
  }

  /** Appends a record: destination buf[dstOff..dstOff+36), then `message` (copied now). */
  push(dst: Uint8Array, dstOff: number, message: Uint8Array): void {
    const n = message.length;
    if (n > FWD_MAX_MESSAGE) throw new ForwardBatchError("message too large to forward", 0);
    if (dstOff < 0 || dstOff + FWD_ID > dst.length) throw new ForwardBatchError("destination ID out of range", dstOff);
    const need = this.size + FWD_RECORD_HEAD + n;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.size));
      this.buf = next;
    }
    const b = this.buf;
    let o = this.size;
    b[o] = n >>> 8;
    b[o + 1] = n & 0xff;
    o += 2;
    for (let i = 0; i < FWD_ID; i++) b[o + i] = dst[dstOff + i]!;
    b.set(message, o + FWD_ID);
    this.size = need;
    this.count++;
  }

  /** The queued records as one FORWARD link message (a copy), and an empty writer. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.size);
    this.size = 1;
    this.count = 0;
    if (this.buf.length > 1 << 20) this.buf = new Uint8Array(4096); // one burst must not pin a large buffer
    this.buf[0] = LINK_FORWARD;
    return out;
  }
}

/**
 * Calls `fn(buf, dstOff, message)` for each record of a FORWARD link message (message is a subarray, no
 * copy; the destination is buf[dstOff..dstOff+36)). Returns the record count. ForwardBatchError on a
 * wrong type byte, a cut record or a record past the end; records before it were already handed out.
 */
export function readBatch(buf: Uint8Array, fn: (buf: Uint8Array, dstOff: number, message: Uint8Array) => void): number {
  if (buf.length < 1 || buf[0] !== LINK_FORWARD) throw new ForwardBatchError("not a FORWARD link message", 0);
  let o = 1;
  let n = 0;
  while (o < buf.length) {
    if (buf.length - o < FWD_RECORD_HEAD) throw new ForwardBatchError("truncated record header", o);
    const len = (buf[o]! << 8) | buf[o + 1]!;
    const start = o + FWD_RECORD_HEAD;
    if (start + len > buf.length) throw new ForwardBatchError("record past the end of the batch", o);
    fn(buf, o + 2, buf.subarray(start, start + len));
    o = start + len;
    n++;
  }
  return n;
}

/** A MISSING link message listing `count` IDs found at ids[36 i ..]. */
export function encodeMissing(ids: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(1 + FWD_ID * count);
  out[0] = LINK_MISSING;
  out.set(ids.subarray(0, FWD_ID * count), 1);
  return out;
}

/** Calls `fn(buf, off)` for each 36-byte ID of a MISSING link message; ForwardBatchError if malformed. */
export function readMissing(buf: Uint8Array, fn: (buf: Uint8Array, off: number) => void): number {
  if (buf.length < 1 || buf[0] !== LINK_MISSING || (buf.length - 1) % FWD_ID !== 0) throw new ForwardBatchError("not a MISSING link message", 0);
  const n = (buf.length - 1) / FWD_ID;
  for (let i = 0; i < n; i++) fn(buf, 1 + FWD_ID * i);
  return n;
}
