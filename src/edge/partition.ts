// Which shard holds a record, and a decoded batch split per shard (docs/protocols/store-api.md §2).
//
// A record is (kind, key): endpoint = container_id (mappings and tombstones), nat = NATEntry.key,
// vip = VIPHeartbeat.vip, route = the subnet's record key (subnetKey: canonical text, host bits kept).
// Its shard among N is fixed by a stable hash that never changes between versions:
//   h = xxHash64(UTF-8 of kind + "\0" + key, seed 0);   shard = floor((h >> 32) * N / 2^32)
// (the high 32 bits, scaled; no modulo bias worth naming at N <= 1024).
//
// A VIPHeartbeat carries nested NAT entries and endpoint mappings that merge as their own records (merge
// rule 4, docs/protocols/gravity.md §4), so they belong to their own shards: a heartbeat whose nested
// records live elsewhere is split into the heartbeat alone (new_nats/new_endpoints null, which the merge
// never reads for the VIP record) and one standalone message per nested element, each keeping its own V
// and schema-mismatch report. Merging the parts is the same as merging the whole.
import type { DecodedMessage, EndpointMapping, NATEntry, SchemaMismatch, SchemaStatus } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { subnetKey } from "../state/index.ts";

/** Shard index of a record. */
export type ShardOf = (kind: RecordKind, key: string) => number;

/** One shard's part of a batch: the messages and, for each, its index in the client's batch. */
export interface ShardPart {
  shard: number;
  messages: DecodedMessage[];
  indexes: number[];
}

/** The record a single-record message writes (every type but a heartbeat with nested elements). */
export function recordOf(msg: DecodedMessage): { kind: RecordKind; key: string } {
  switch (msg.type) {
    case 1:
    case 2:
      return { kind: "endpoint", key: msg.payload.container_id };
    case 3:
      return { kind: "nat", key: msg.payload.key };
    case 4:
      return { kind: "vip", key: msg.payload.vip };
    case 5:
      return { kind: "route", key: subnetKey(msg.payload.subnet) };
  }
}

/**
 * The record an envelope of ours carries (a record's own envelope, src/state/envelopes.ts: heartbeats
 * without nested elements). Throws on text that is not one.
 */
export function recordOfEnvelope(envelope: string): { kind: RecordKind; key: string } {
  const e = JSON.parse(envelope) as { type?: unknown; payload?: Record<string, unknown> };
  const p = e.payload ?? {};
  const str = (k: string): string => {
    const v = p[k];
    if (typeof v !== "string") throw new TypeError(`envelope of type ${String(e.type)} has no string ${k}`);
    return v;
  };
  switch (e.type) {
    case 1:
    case 2:
      return { kind: "endpoint", key: str("container_id") };
    case 3:
      return { kind: "nat", key: str("key") };
    case 4:
      return { kind: "vip", key: str("vip") };
    case 5:
      return { kind: "route", key: subnetKey(str("subnet")) };
    default:
      throw new TypeError(`not a record envelope (type ${String(e.type)})`);
  }
}

/**
 * The shard function for `shards` shards over a 64-bit hash of bytes (the hot path's xxHash64). Keys are
 * encoded into one reused buffer.
 */
export function shardHasher(shards: number, xxh64: (data: Uint8Array) => bigint): ShardOf {
  if (shards === 1) return () => 0;
  const enc = new TextEncoder();
  let buf = new Uint8Array(256);
  return (kind, key) => {
    const need = kind.length + 1 + key.length * 3;
    if (need > buf.length) buf = new Uint8Array(need * 2);
    let n = enc.encodeInto(kind, buf).written;
    buf[n++] = 0;
    n += enc.encodeInto(key, buf.subarray(n)).written;
    const hi = Number(xxh64(buf.subarray(0, n)) >> 32n);
    return Math.floor((hi * shards) / 4294967296);
  };
}

function nestedMismatches(all: readonly SchemaMismatch[], path: string): { schema: SchemaStatus; mismatches: SchemaMismatch[] } {
  const m = all.filter((x) => x.path === path).map((x) => ({ ...x, path: "payload" }));
  return { schema: m.length === 0 ? "current" : m[0]!.status, mismatches: m };
}

/** The heartbeat as parts per shard (whole when every nested record is on the heartbeat's shard). */
function splitHeartbeat(msg: Extract<DecodedMessage, { type: 4 }>, shardOf: ShardOf, add: (shard: number, m: DecodedMessage) => void): void {
  const p = msg.payload;
  const home = shardOf("vip", p.vip);
  const nats = p.new_nats ?? [];
  const eps = p.new_endpoints ?? [];
  const natShards = nats.map((n) => shardOf("nat", n.key));
  const epShards = eps.map((e) => shardOf("endpoint", e.container_id));
  if (natShards.every((s) => s === home) && epShards.every((s) => s === home)) return add(home, msg);
  add(home, {
    ...msg,
    payload: { ...p, new_nats: null, new_endpoints: null },
    mismatches: msg.mismatches.filter((x) => x.path === "payload"),
  } as DecodedMessage);
  nats.forEach((n: NATEntry, k) => add(natShards[k]!, { type: 3, payload: n, raw: "", ...nestedMismatches(msg.mismatches, `payload.new_nats[${k}]`) }));
  eps.forEach((e: EndpointMapping, k) =>
    add(epShards[k]!, { type: 1, payload: e, raw: "", ...nestedMismatches(msg.mismatches, `payload.new_endpoints[${k}]`) }),
  );
}

/**
 * Splits a decoded batch (already checked: checkMessages) into one part per shard that has something to
 * do, in shard order; messages keep their batch order within a part.
 */
export function splitBatch(msgs: readonly DecodedMessage[], shardOf: ShardOf): ShardPart[] {
  const parts = new Map<number, ShardPart>();
  msgs.forEach((msg, index) => {
    const add = (shard: number, m: DecodedMessage) => {
      let part = parts.get(shard);
      if (!part) parts.set(shard, (part = { shard, messages: [], indexes: [] }));
      part.messages.push(m);
      part.indexes.push(index);
    };
    if (msg.type === 4) splitHeartbeat(msg, shardOf, add);
    else {
      const r = recordOf(msg);
      add(shardOf(r.kind, r.key), msg);
    }
  });
  return [...parts.values()].sort((a, b) => a.shard - b.shard);
}
