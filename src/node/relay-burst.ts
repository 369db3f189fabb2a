// Feeds the relay core in bursts on Node: `ws` emits every message one socket read carried
// synchronously, one after another (allowSynchronousEvents), so the messages that arrive before the
// next microtask checkpoint are handed to RelayCore.messages() together: one hot-path call checks their
// headers and swaps their ID slots (src/relay/core-data.ts). While a burst is delivered, every
// destination socket it writes to is corked and uncorked once at the end, so a window of messages to
// one peer leaves in one writev instead of one write per message. A single message per turn (light
// load) goes straight to RelayCore.message() at that microtask checkpoint.
import type { Duplex } from "node:stream";
import type { RelayConn, RelayCore } from "../relay/index.ts";

/** A connection that can hold its writes back for the rest of a burst. */
export interface CorkableConn extends RelayConn {
  /** The socket under the WebSocket, if any (corked while a burst writes to it). */
  readonly socket: Duplex | undefined;
  corked: boolean;
}

export class BurstFeed {
  private readonly core: RelayCore;
  private conns: RelayConn[] = [];
  private datas: (Uint8Array | string)[] = [];
  private n = 0;
  private scheduled = false;
  /** True while a burst is being delivered (sends then cork their socket). */
  delivering = false;
  private readonly corked: CorkableConn[] = [];
  private readonly run = () => this.flush();

  constructor(core: RelayCore) {
    this.core = core;
  }

  /** One WebSocket message (a string for a text frame); delivered with the rest of this turn's. */
  push(conn: RelayConn, data: Uint8Array | string): void {
    this.conns[this.n] = conn;
    this.datas[this.n++] = data;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  /** Called by a connection's send during a burst: cork its socket until the burst ends. */
  cork(conn: CorkableConn): void {
    const s = conn.socket;
    if (conn.corked || !s) return;
    conn.corked = true;
    s.cork();
    this.corked.push(conn);
  }

  /** Delivers what is pending now (also before a close, so a connection's messages come first). */
  flush(): void {
    this.scheduled = false;
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    if (n === 1) {
      // A lone message (light load): nothing to batch or coalesce, so no burst bookkeeping or corking.
      const conn = this.conns[0]!;
      const data = this.datas[0]!;
      this.conns[0] = undefined as unknown as RelayConn;
      this.datas[0] = "";
      this.core.message(conn, data);
      return;
    }
    this.delivering = true;
    try {
      this.core.messages(this.conns, this.datas, n);
    } finally {
      this.delivering = false;
      this.conns.fill(undefined as unknown as RelayConn, 0, n);
      this.datas.fill("", 0, n);
      for (const c of this.corked) {
        c.corked = false;
        c.socket!.uncork();
      }
      this.corked.length = 0;
    }
  }
}
