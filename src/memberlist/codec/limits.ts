// Limits on untrusted memberlist input. Go 0.2.2 has almost none; latest caps push/pull nodes, user state
// and decompressed size. We cap everything a peer controls so that memory stays bounded whatever arrives.

/** Limits on untrusted input. Every field optional; unset fields take DEFAULT_LIMITS. */
export interface DecodeLimits {
  /** Max nesting of msgpack containers (inside skipped unknown values). */
  maxDepth?: number;
  /** Max bytes of one string or byte field. */
  maxFieldBytes?: number;
  /** Max entries of one msgpack map or array. */
  maxEntries?: number;
  /**
   * Max push/pull `Nodes`. Latest Go allows 1 048 576; a node state can be a 1-byte empty map that
   * decodes to a ~300-byte object, so the default is lower to bound memory (raise it for huge clusters).
   */
  maxPushPullNodes?: number;
  /** Max push/pull `UserStateLen` (latest: 20 MiB). */
  maxUserStateBytes?: number;
  /** Max stream `UserMsgLen` (latest: 20 MiB). */
  maxUserMsgBytes?: number;
  /** Max encrypted stream length L (Go's maxPushStateBytes, 20 MiB). */
  maxEncryptedStreamBytes?: number;
  /**
   * Max decompressed size of a stream message (latest master: 40 MiB). Default STREAM_MESSAGE_BYTES: the
   * decompressed form is the same push/pull, and inflating is where a small input becomes large.
   */
  maxStreamDecompressedBytes?: number;
  /** Max decompressed size of a packet (UDP datagrams are ≤ 64 KiB; legit payloads never get near). */
  maxPacketDecompressedBytes?: number;
  /**
   * Max bytes buffered for one stream message (after decryption/decompression the caps above apply).
   * Default STREAM_MESSAGE_BYTES (16 MiB); raise it for clusters far beyond 10k nodes.
   */
  maxStreamBytes?: number;
  /**
   * Max ratio of decompressed to compressed bytes (default 64; hardening, Go has none). Real memberlist
   * data compresses 2-9x with LZW (push/pull of 10k nodes: 8.4x, Gravity JSON: 7.1x); a bomb reaches
   * ~1300x (1 KiB in, ~1.2 MiB out). Output up to the floor below is always allowed (a stream of one
   * repeated byte is legal, just rare).
   */
  maxInflateRatio?: number;
  /** Decompressed bytes of a stream message allowed whatever the ratio (default 256 KiB). */
  inflateRatioFloor?: number;
  /** Decompressed bytes of a packet allowed whatever the ratio (default 16 KiB; Go fills packets to UDPBufferSize, 1400). */
  packetInflateRatioFloor?: number;
  /** Max nesting of compound/compress layers inside one packet. */
  maxLayerDepth?: number;
  /** Max messages (and errors) reported for one packet; the rest of the packet is dropped. */
  maxPacketMessages?: number;
}

export type ResolvedLimits = Required<DecodeLimits>;

const MiB = 1024 * 1024;

/**
 * Default cap on one stream message, as read off the wire and as decompressed: 16 MiB.
 * Why: a push/pull carries one msgpack pushNodeState per known node. Measured with encodePushPull for
 * 10 000 nodes: 0.8 MiB (20-byte names, IPv4, no meta), 1.9 MiB (32-byte names, 100 bytes of Serf tags),
 * 6.3 MiB in the worst case (64-byte names, IPv6, meta at memberlist's MetaMaxSize of 512 bytes), plus
 * Serf's user state (an LTime per member, ~0.4 MiB). 16 MiB is over twice that worst case, and about
 * 80 000 nodes at typical sizes. Go reads up to 20 MiB encrypted (maxPushStateBytes) and inflates up to
 * 40 MiB; 128 push/pulls at those sizes is gigabytes, so we stay below them and the Node transport adds a
 * process-wide budget for the bytes of in-flight inbound streams (src/node/stream-budget.ts).
 */
export const STREAM_MESSAGE_BYTES = 16 * MiB;

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxDepth: 32,
  maxFieldBytes: 1 * MiB,
  maxEntries: 65536,
  maxPushPullNodes: 131_072,
  maxUserStateBytes: 20 * MiB,
  maxUserMsgBytes: 20 * MiB,
  maxEncryptedStreamBytes: 20 * MiB,
  maxStreamDecompressedBytes: STREAM_MESSAGE_BYTES,
  maxPacketDecompressedBytes: 1 * MiB,
  maxStreamBytes: STREAM_MESSAGE_BYTES,
  maxLayerDepth: 4,
  maxPacketMessages: 8192,
  maxInflateRatio: 64,
  inflateRatioFloor: 256 * 1024,
  packetInflateRatioFloor: 16 * 1024,
});

/** Resolved objects (and the resolution of each caller-supplied object), so the hot path does no work. */
const resolved = new WeakMap<object, ResolvedLimits>([[DEFAULT_LIMITS, DEFAULT_LIMITS]]);

/** Fills unset fields from DEFAULT_LIMITS. Cached per object: treat a limits object as immutable. */
export function resolveLimits(l: DecodeLimits | undefined): ResolvedLimits {
  if (l === undefined) return DEFAULT_LIMITS;
  let r = resolved.get(l);
  if (r === undefined) {
    r = Object.freeze({ ...DEFAULT_LIMITS, ...stripUndefined(l) });
    resolved.set(l, r);
    resolved.set(r, r);
  }
  return r;
}

function stripUndefined(l: DecodeLimits): DecodeLimits {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(l)) if (v !== undefined) out[k] = v as number;
  return out as DecodeLimits;
}
