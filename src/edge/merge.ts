// One answer from N shards' answers (docs/protocols/store-api.md §3): snapshots concatenated and sorted
// as one store sorts them (each list by key, bytewise), deltas concatenated in shard order, and the cursor
// token made of every shard's cursor. A delta answer is a reset as soon as one shard does not know its
// position: the client re-snapshots, as with the unsharded store.
import { compareGoStrings } from "../gossip/index.ts";
import type { Change, DeltaResult, StateSnapshot } from "../state/index.ts";
import { formatToken } from "./token.ts";

export type Cursor = number | string;

export interface MergedSnapshot extends Omit<StateSnapshot, "cursor"> {
  cursor: Cursor;
}

export type MergedDeltas = { cursor: Cursor; reset: false; changes: Change[] } | { cursor: Cursor; reset: true; changes: [] };

/** Envelopes of one shard: a snapshot (reset undefined) or deltas. */
export interface ShardEnvelopes {
  cursor: number;
  reset?: boolean;
  messages: string[];
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => compareGoStrings(key(a), key(b));

export function mergeSnapshots(parts: readonly StateSnapshot[]): MergedSnapshot {
  if (parts.length === 1) return parts[0]!;
  const cat = <K extends keyof Omit<StateSnapshot, "cursor">>(k: K): StateSnapshot[K] => parts.flatMap((p) => p[k] as unknown[]) as StateSnapshot[K];
  return {
    cursor: formatToken(parts.map((p) => p.cursor)),
    endpoints: cat("endpoints").sort(byKey((e) => e.container_id)),
    tombstones: cat("tombstones").sort(byKey((t) => t.container_id)),
    nats: cat("nats").sort(byKey((n) => n.key)),
    vips: cat("vips").sort(byKey((v) => v.vip)),
    routes: cat("routes").sort(byKey((r) => r.subnet)),
  };
}

export function mergeDeltas(parts: readonly DeltaResult[]): MergedDeltas {
  const cursor = formatToken(parts.map((p) => p.cursor));
  if (parts.some((p) => p.reset)) return { cursor, reset: true, changes: [] };
  return { cursor, reset: false, changes: parts.length === 1 ? parts[0]!.changes : parts.flatMap((p) => p.changes) };
}

/** The JSON text of merged envelope answers: {cursor, messages} or {cursor, reset, messages}. */
export function mergeEnvelopes(parts: readonly ShardEnvelopes[], deltas: boolean): string {
  const cursor = JSON.stringify(formatToken(parts.map((p) => p.cursor)));
  if (!deltas) return `{"cursor":${cursor},"messages":[${parts.map((p) => p.messages.join(",")).filter((s) => s !== "").join(",")}]}`;
  if (parts.some((p) => p.reset)) return `{"cursor":${cursor},"reset":true,"messages":[]}`;
  return `{"cursor":${cursor},"reset":false,"messages":[${parts.map((p) => p.messages.join(",")).filter((s) => s !== "").join(",")}]}`;
}
