// Local delivery (minimega's receive channel): MESSAGEs for this node go to every subscriber at once,
// and the last `capacity` (at most `maxBytes` of them by wire size) are kept so a late subscriber can
// catch up by sequence number (the admin API's stream resumes with Last-Event-ID). Subscribers must not
// block; a failing one is logged.
import type { Logger } from "../util/index.ts";
import type { DataMessage } from "./message.ts";

/** A MESSAGE this node received, as handed to subscribers. */
export interface Delivery {
  /** Delivery sequence number (per node, from 1). */
  seq: number;
  message: DataMessage;
  /** The neighbour it came from. */
  from: string;
  /** Wall-clock milliseconds. */
  at: number;
}

export class Inbox {
  private readonly listeners = new Set<(d: Delivery) => void>();
  private readonly recent: Delivery[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;
  private seq = 0;
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly log: Logger;

  constructor(capacity: number, log: Logger, maxBytes = 64 << 20) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.log = log;
  }

  deliver(message: DataMessage, from: string, at: number, size = 0): void {
    const d: Delivery = { seq: ++this.seq, message, from, at };
    this.recent.push(d);
    this.sizes.push(size);
    this.bytes += size;
    while (this.recent.length > this.capacity || (this.bytes > this.maxBytes && this.recent.length > 1)) {
      this.recent.shift();
      this.bytes -= this.sizes.shift()!;
    }
    for (const l of this.listeners) {
      try {
        l(d);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, "message listener failed");
      }
    }
  }

  subscribe(listener: (d: Delivery) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deliveries still held, after `afterSeq`. */
  after(afterSeq: number): Delivery[] {
    return this.recent.filter((d) => d.seq > afterSeq);
  }
}
