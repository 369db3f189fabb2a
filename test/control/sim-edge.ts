// An in-memory edge for simulations: a StateStore behind an EdgeClient whose requests and watch frames
// take simulated time (one clock timer each, in order), and which can go down (requests fail, watch
// streams close) and come back. Frames carry each changed record's envelope, as the real watch does.
import { EdgeError, type EdgeClient, type WatchHandlers } from "../../src/control/index.ts";
import type { StateStore } from "../../src/state/index.ts";
import type { SimClock } from "../../src/util/sim-clock.ts";

export class SimEdge {
  readonly store: StateStore;
  private readonly clock: SimClock;
  private readonly latencyMs: number;
  private isDown = false;
  private readonly streams = new Set<{ h: WatchHandlers; unsubscribe: () => void; open: boolean }>();
  posts = 0;

  constructor(store: StateStore, clock: SimClock, latencyMs = 5) {
    this.store = store;
    this.clock = clock;
    this.latencyMs = latencyMs;
  }

  get down(): boolean {
    return this.isDown;
  }

  setDown(down: boolean): void {
    this.isDown = down;
    if (down) {
      for (const s of [...this.streams]) this.later(() => this.end(s, "edge down"));
    }
  }

  private later(fn: () => void): void {
    this.clock.setTimeout(() => {
      this.clock.markAsync();
      fn();
    }, this.latencyMs);
  }

  private end(s: { h: WatchHandlers; unsubscribe: () => void; open: boolean }, reason: string): void {
    if (!s.open) return;
    s.open = false;
    s.unsubscribe();
    this.streams.delete(s);
    s.h.onClose(reason);
  }

  private unreachable(): EdgeError {
    return new EdgeError("edge.unreachable", "simulated edge is down", { status: 0, retryable: true });
  }

  client(): EdgeClient {
    return {
      post: (batch) =>
        new Promise((resolve, reject) =>
          this.later(() => {
            if (this.isDown) return reject(this.unreachable());
            this.posts++;
            this.store.applyBatch(batch, { maxBytes: 1 << 30 });
            resolve();
          }),
        ),
      snapshot: () =>
        new Promise((resolve, reject) =>
          this.later(() => {
            if (this.isDown) return reject(this.unreachable());
            resolve({ cursor: String(this.store.cursor), messages: `[${this.store.envelopes().envelopes.join(",")}]` });
          }),
        ),
      watch: (since, h) => {
        const s = { h, unsubscribe: () => {}, open: true };
        this.later(() => {
          if (!s.open) return;
          if (this.isDown) return this.end(s, "edge down");
          this.streams.add(s);
          h.onHello(String(this.store.cursor));
          const d = this.store.deltas(Number(since));
          if (d.reset) h.onReset(String(d.cursor));
          else if (d.changes.length > 0) h.onChanges(String(d.cursor), this.frame(d.changes));
          s.unsubscribe = this.store.subscribe((changes, cursor) => {
            const msgs = this.frame(changes);
            this.later(() => {
              if (s.open) h.onChanges(String(cursor), msgs);
            });
          });
        });
        return {
          close: () => {
            s.open = false;
            s.unsubscribe();
            this.streams.delete(s);
          },
        };
      },
    };
  }

  private frame(changes: readonly { kind: "endpoint" | "nat" | "vip" | "route"; key: string }[]): string {
    const out: string[] = [];
    for (const c of changes) {
      const e = this.store.envelope(c.kind, c.key);
      if (e !== null) out.push(e);
    }
    return `[${out.join(",")}]`;
  }
}
