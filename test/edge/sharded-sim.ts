// A sharded store in memory for the portable tests: N StateStores behind the same split / merge / route
// replica code the worker's front runs (src/edge/), so properties can compare it with ONE store.
import { checkMessages, mergeDeltas, mergeSnapshots, parseToken, shardHasher, splitBatch, formatToken, type RouteSource, type RouteSync, type ShardOf } from "../../src/edge/index.ts";
import { decodeBatch, referenceSchema } from "../../src/gossip/index.ts";
import { xxh64 } from "../../src/hotpath/index.ts";
import type { StateStore } from "../../src/state/index.ts";
import { makeStore } from "../state/helpers.ts";

export class ShardedSim {
  readonly stores: StateStore[];
  readonly shardOf: ShardOf;
  /** Shard syncs served (route replica tests count them). */
  syncs = 0;

  readonly shards: number;

  constructor(shards: number) {
    this.shards = shards;
    this.stores = Array.from({ length: shards }, () => makeStore());
    this.shardOf = shardHasher(shards, (d) => xxh64(d));
  }

  /** POST /v1/messages: decode, check, split, apply each part; the response's cursor token. */
  apply(text: string): { applied: number; changes: number; cursor: number | string } {
    const msgs = decodeBatch(text, { schema: referenceSchema() });
    checkMessages(msgs);
    const positions = new Array<number>(this.shards).fill(0);
    let changes = 0;
    for (const p of splitBatch(msgs, this.shardOf)) {
      const r = this.stores[p.shard]!.applyBatch(p.messages);
      positions[p.shard] = r.cursor;
      changes += r.changes.length;
    }
    return { applied: msgs.length, changes, cursor: formatToken(positions) };
  }

  snapshot() {
    return mergeSnapshots(this.stores.map((s) => s.snapshot()));
  }

  deltas(token: string) {
    const since = parseToken(token, this.shards);
    return mergeDeltas(this.stores.map((s, i) => s.deltas(since === "other" ? -1 : since[i]!)));
  }

  /** The shards as a route source (what routeSync answers in the worker). */
  routeSource(): RouteSource {
    return {
      shards: this.shards,
      sync: async (s, since): Promise<RouteSync> => {
        this.syncs++;
        await Promise.resolve();
        const st = this.stores[s]!;
        const d = since === null ? null : st.deltas(since);
        if (d === null || d.reset) {
          const snap = st.snapshot();
          return { cursor: snap.cursor, full: true, routes: snap.routes, nats: snap.nats };
        }
        return { cursor: d.cursor, full: false, changes: d.changes.filter((c) => c.kind === "route" || c.kind === "nat") as never };
      },
    };
  }
}
