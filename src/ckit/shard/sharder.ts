// ckit's Sharder over a consistent hash (docs/protocols/ckit.md §5): two hashes, one over the
// nodes that may serve reads (participant + terminating) and one over those that may serve writes
// (participant only). Viewers and unknown states are dropped by setPeers. Errors are ckit's texts.
//
// Differences from ckit, both on input ckit treats as a programming error: a negative owner count is a
// ShardError (Go panics in makeslice), and setPeers neither sorts the caller's array in place nor keeps
// duplicate names (Go keeps both copies in the hash; we keep the last, as its peer map does).
import { ShardError, CkitErrorCode } from "../errors.ts";
import { compareNames, PeerState, type Peer } from "../peer.ts";
import type { ConsistentHash } from "./hash.ts";
import { HALVES, isU64, split } from "./u64.ts";

/** Which owners a lookup wants: Read (participants + terminating) or ReadWrite (participants). */
export const Op = { read: 0, readWrite: 1 } as const;
export type OpValue = (typeof Op)[keyof typeof Op];

/** ckit's Op.String(). */
export function opName(op: number): string {
  return op === 0 ? "Read" : op === 1 ? "ReadWrite" : `Op(${op})`;
}

export interface Sharder {
  /** The n owners of key for op, in preference order. Throws ShardError. */
  lookup(key: bigint, n: number, op: number): Peer[];
  /** The peers that may own keys (participant or terminating), sorted by name. */
  peers(): Peer[];
  /** Replaces the peer set (any order; viewers and unknown states are ignored). */
  setPeers(ps: readonly Peer[]): void;
}

export class HashSharder implements Sharder {
  readonly #read: ConsistentHash<Peer>;
  readonly #readWrite: ConsistentHash<Peer>;
  #peers: Peer[] = [];

  constructor(read: ConsistentHash<Peer>, readWrite: ConsistentHash<Peer>) {
    this.#read = read;
    this.#readWrite = readWrite;
  }

  lookup(key: bigint, n: number, op: number): Peer[] {
    let h: ConsistentHash<Peer>;
    if (op === Op.read) h = this.#read;
    else if (op === Op.readWrite) h = this.#readWrite;
    else throw new ShardError(CkitErrorCode.unknownOp, `unknown op ${opName(op)}`);
    if (!(n >= 0) || !Number.isInteger(n)) throw new ShardError(CkitErrorCode.badArgument, `owner count must be a non-negative integer, got ${n}`);
    if (n > h.size) throw new ShardError(CkitErrorCode.notEnoughNodes, `not enough nodes: need at least ${n}, have ${h.size}`);
    if (n === 0) return [];
    if (typeof key !== "bigint" || !isU64(key)) throw new ShardError(CkitErrorCode.badArgument, `key must be a uint64 bigint, got ${String(key)}`);
    split(key);
    return h.get(HALVES[0]!, HALVES[1]!, n);
  }

  peers(): Peer[] {
    return [...this.#peers];
  }

  setPeers(ps: readonly Peer[]): void {
    const byName = new Map<string, Peer>();
    for (const p of ps) if (p.state === PeerState.participant || p.state === PeerState.terminating) byName.set(p.name, p);
    const sorted = [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
    this.#peers = sorted;
    this.#read.setNodes(sorted);
    this.#readWrite.setNodes(sorted.filter((p) => p.state === PeerState.participant));
  }
}
