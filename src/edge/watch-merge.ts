// One watch stream from N shard watch streams (docs/protocols/store-api.md §3.2). The front opens a watch
// on every shard (each from its position in the client's token) and relays their frames to the client,
// rewriting each frame's cursor into the token of everything the client has been sent so far:
//   - nothing is relayed until every shard said hello; then ONE hello carrying every shard's cursor
//     goes first, and the frames that arrived meanwhile follow in arrival order;
//   - a changes or reset frame of shard s moves position s to that frame's cursor; the rest of the frame
//     (its changes or envelopes) is relayed byte for byte (only the cursor prefix is rewritten);
//   - per-change `cursor` fields (format=changes) stay the shard's own positions.
// So a client that stores the cursor of the last frame it processed and reconnects with it misses
// nothing: per shard, frames come in cursor order.
import { formatToken, type Positions } from "./token.ts";

const PREFIX = /^\{"type":"(hello|changes|reset)","cursor":(\d+)/;

export type FrameType = "hello" | "changes" | "reset";

/** The type and cursor of a shard frame, and where its remainder starts. */
export function frameHead(text: string): { type: FrameType; cursor: number; rest: number } | null {
  const m = PREFIX.exec(text);
  return m ? { type: m[1] as FrameType, cursor: Number(m[2]), rest: m[0].length } : null;
}

export class WatchMerge {
  private readonly n: number;
  private readonly send: (frame: string) => void;
  private readonly pos: number[];
  private readonly hello: (number | null)[];
  private readonly useHello: boolean;
  private helloSent = false;
  private queue: [number, string][] = [];

  /** `since`: the client's positions, or null (no cursor: positions start at the hellos). */
  constructor(shards: number, since: Positions | null, send: (frame: string) => void) {
    this.n = shards;
    this.send = send;
    this.pos = since ? [...since] : new Array<number>(shards).fill(0);
    this.useHello = since === null;
    this.hello = new Array<number | null>(shards).fill(null);
  }

  /** The token of what the client has been sent. */
  get cursor(): number | string {
    return formatToken(this.pos);
  }

  /** A frame from shard `s`. Throws on a frame that is not one of ours (the caller closes the stream). */
  frame(s: number, text: string): void {
    if (!this.helloSent) {
      const h = frameHead(text);
      if (h === null) throw new TypeError(`shard ${s} sent a frame that is not a watch frame`);
      if (h.type === "hello") {
        this.hello[s] = h.cursor;
        if (this.useHello) this.pos[s] = h.cursor;
        if (this.hello.every((c) => c !== null)) this.flush();
        return;
      }
      this.queue.push([s, text]);
      return;
    }
    this.relay(s, text);
  }

  private flush(): void {
    this.helloSent = true;
    this.send(`{"type":"hello","cursor":${JSON.stringify(formatToken(this.hello as number[]))}}`);
    const q = this.queue;
    this.queue = [];
    for (const [s, text] of q) this.relay(s, text);
  }

  private relay(s: number, text: string): void {
    const h = frameHead(text);
    if (h === null || h.type === "hello") throw new TypeError(`shard ${s} sent an unexpected watch frame`);
    this.pos[s] = h.cursor;
    if (this.n === 1) return this.send(text);
    this.send(`{"type":"${h.type}","cursor":${JSON.stringify(formatToken(this.pos))}${text.slice(h.rest)}`);
  }
}
