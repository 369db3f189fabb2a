// Packing of cross-shard relay packets into one Durable Object RPC argument.
// Worker-internal format (both ends deploy together), the analogue of openZro's FWD payload
// (dst peer ID || complete relay transport message whose ID slot already names the SOURCE); the
// destination travels in its printable form ("sha-" + base64, 48 ASCII bytes), the key the relay core
// and the directory use, because the message's own ID slot has already been rewritten:
//
//   repeated: [len u16 BE][keyLen u8][dst key, keyLen ASCII bytes][relay message, `len` bytes]
//
// Relay messages are at most 8820 bytes, so u16 is enough. Append-only: never change the layout
// without renaming the RPC method that carries it.
import { GossamerError } from "../src/util/index.ts";

export const FWD_MAX_MESSAGE = 0xffff;
export const FWD_MAX_KEY = 0xff;

export class ForwardBatchError extends GossamerError {
  constructor(message: string, offset: number) {
    super("forward_batch.malformed", message, { offset });
  }
}

/** Accumulates records; `take()` returns the packed bytes and resets. */
export class BatchWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  count = 0;
  get bytes(): number {
    return this.size;
  }
  push(dstKey: string, message: Uint8Array): void {
    const k = dstKey.length;
    if (k > FWD_MAX_KEY) throw new ForwardBatchError("destination key too long", 0);
    if (message.length > FWD_MAX_MESSAGE) throw new ForwardBatchError("message too large to forward", 0);
    const head = new Uint8Array(3 + k);
    head[0] = message.length >>> 8;
    head[1] = message.length & 0xff;
    head[2] = k;
    for (let i = 0; i < k; i++) {
      const c = dstKey.charCodeAt(i);
      if (c > 0x7f) throw new ForwardBatchError("destination key is not ASCII", 3 + i);
      head[3 + i] = c;
    }
    this.parts.push(head, message);
    this.size += head.length + message.length;
    this.count++;
  }
  /** Packs and removes the first `max` records (all by default). */
  take(max = Infinity): Uint8Array {
    const k = Math.min(this.count, max);
    const parts = k === this.count ? this.parts : this.parts.slice(0, 2 * k);
    let size = 0;
    for (const p of parts) size += p.length;
    const out = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    this.parts = k === this.count ? [] : this.parts.slice(2 * k);
    this.size -= size;
    this.count -= k;
    return out;
  }
}

/** Calls `fn(dstKey, message)` per record (message is a subarray, no copy). ForwardBatchError on bad input. */
export function readBatch(buf: Uint8Array, fn: (dstKey: string, message: Uint8Array) => void): number {
  let o = 0;
  let n = 0;
  while (o < buf.length) {
    if (buf.length - o < 3) throw new ForwardBatchError("truncated record header", o);
    const len = (buf[o]! << 8) | buf[o + 1]!;
    const k = buf[o + 2]!;
    const start = o + 3 + k;
    if (start + len > buf.length) throw new ForwardBatchError("record past the end of the batch", o);
    let key = "";
    for (let i = o + 3; i < start; i++) {
      if (buf[i]! > 0x7f) throw new ForwardBatchError("destination key is not ASCII", i);
      key += String.fromCharCode(buf[i]!);
    }
    fn(key, buf.subarray(start, start + len));
    o = start + len;
    n++;
  }
  return n;
}
