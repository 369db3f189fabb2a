// Shard placement. A relay WebSocket is upgraded before its first (auth) message names the peer, so the
// worker picks the shard from what the upgrade request carries:
//   1. `?shard=<n>` or header `X-Gossamer-Shard: <n>`: an explicit index (our own clients, tests, benches);
//   2. `?peer=<printable peer id>` or header `X-Gossamer-Peer`: a hash of the ID, so a peer that
//      reconnects lands on the same shard and its replacement stays local;
//   3. otherwise a uniformly random shard (client addresses do not predict who talks to whom, and
//      many peers share one NAT address, so hashing the address would only skew the load).
// A peer whose pair sits on another shard is reached through the peer directory (see forwarder.ts).
// The directory itself is sharded by a hash of the peer ID.

export const SHARD_PREFIX = "shard-";
export const DIRECTORY_PREFIX = "dir-";

/** FNV-1a 32-bit over UTF-16 code units; stable across runtimes, used for placement only. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= s.charCodeAt(i) >>> 8;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardName(index: number): string {
  return `${SHARD_PREFIX}${index}`;
}

/** Chooses the shard for an upgrade request among `count` shards. */
export function chooseShard(req: Request, count: number, random: () => number = Math.random): string {
  const url = new URL(req.url);
  const explicit = url.searchParams.get("shard") ?? req.headers.get("x-gossamer-shard");
  if (explicit !== null && /^\d{1,6}$/.test(explicit)) {
    const n = Number(explicit);
    if (n < count) return shardName(n);
  }
  const peer = url.searchParams.get("peer") ?? req.headers.get("x-gossamer-peer");
  if (peer) return shardName(fnv1a(peer) % count);
  return shardName(Math.min(count - 1, Math.floor(random() * count)));
}

/** The directory object responsible for a peer ID key. */
export function directoryFor(peerKey: string, count: number): string {
  return `${DIRECTORY_PREFIX}${count === 1 ? 0 : fnv1a(peerKey) % count}`;
}
