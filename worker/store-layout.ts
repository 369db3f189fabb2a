// The store's layout as the worker runs it (docs/protocols/store-api.md §2): STORE_SHARDS objects of the
// GossipStore class, the record -> shard hash (src/edge/partition.ts, on the platform's hot path), and the
// earlier layouts a reshard copies from (STORE_SHARDS_PREVIOUS, docs/protocols/store-api.md §5).
//
// Object names: one shard is "default" (the object of the unsharded store, so a deployment that had one
// keeps its data and its cursors); N > 1 shards are "store-<N>-<i>". A layout's objects are its own:
// changing N never reuses another layout's objects, so an object only ever holds one layout's records.
import { shardHasher, type ShardOf } from "../src/edge/index.ts";
import type { Platform } from "../src/platform/index.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import type { GossipStoreRpc, ShardRef } from "./rpc.ts";

export const STORE_OBJECT_NAME = "default";
/** Request header carrying the caller's ShardRef to a shard's fetch() (watch streams): "N/i/p1,p2". */
export const LAYOUT_HEADER = "x-gossamer-store-layout";

/** The object name of shard `index` of `shards`. */
export function shardObjectName(shards: number, index: number): string {
  return shards === 1 ? STORE_OBJECT_NAME : `store-${shards}-${index}`;
}

/** The record -> shard function of `shards` shards on this platform (the "store-shard" hot path use). */
export function shardOfFor(platform: Platform, shards: number): ShardOf {
  const hp = platform.hotpath.for("store-shard");
  return shardHasher(shards, (data) => hp.xxh64(data));
}

export interface StoreLayout {
  readonly shards: number;
  readonly previous: readonly number[];
  readonly shardOf: ShardOf;
  ref(index: number): ShardRef;
  stub(index: number): DurableObjectStub<GossipStoreRpc>;
}

const layouts = new WeakMap<Env, StoreLayout>();

/** The layout of these bindings (one per env object, i.e. per isolate). */
export function storeLayout(env: Env, platform: Platform): StoreLayout {
  let l = layouts.get(env);
  if (!l) {
    const { storeShards: shards, storeShardsPrevious: previous } = workerConfig(env);
    const refs = Array.from({ length: shards }, (_, index): ShardRef => ({ shards, index, previous: [...previous] }));
    l = {
      shards,
      previous,
      shardOf: shardOfFor(platform, shards),
      ref: (i) => refs[i]!,
      // A stub per call: stubs are I/O objects of the request that made them.
      stub: (i) => env.GOSSIP_STORE.getByName(shardObjectName(shards, i)),
    };
    layouts.set(env, l);
  }
  return l;
}

export function formatRef(ref: ShardRef): string {
  return `${ref.shards}/${ref.index}/${ref.previous.join(",")}`;
}

/** The ShardRef of a LAYOUT_HEADER value, or null when absent or malformed. */
export function parseRef(v: string | null): ShardRef | null {
  if (v === null) return null;
  const m = /^(\d{1,4})\/(\d{1,4})\/([\d,]*)$/.exec(v);
  if (!m) return null;
  const shards = Number(m[1]);
  const index = Number(m[2]);
  const previous = m[3] === "" ? [] : m[3]!.split(",").map(Number);
  if (shards < 1 || index >= shards || previous.some((p) => !(p >= 1))) return null;
  return { shards, index, previous };
}
