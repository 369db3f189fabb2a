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
  /** Max decompressed size of a stream message (latest master: 40 MiB). */
  maxStreamDecompressedBytes?: number;
  /** Max decompressed size of a packet (UDP datagrams are ≤ 64 KiB; legit payloads never get near). */
  maxPacketDecompressedBytes?: number;
  /** Max bytes buffered for one stream message (after decryption/decompression the caps above apply). */
  maxStreamBytes?: number;
  /** Max nesting of compound/compress layers inside one packet. */
  maxLayerDepth?: number;
  /** Max messages (and errors) reported for one packet; the rest of the packet is dropped. */
  maxPacketMessages?: number;
}

export type ResolvedLimits = Required<DecodeLimits>;

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxDepth: 32,
  maxFieldBytes: 1 * MiB,
  maxEntries: 65536,
  maxPushPullNodes: 131_072,
  maxUserStateBytes: 20 * MiB,
  maxUserMsgBytes: 20 * MiB,
  maxEncryptedStreamBytes: 20 * MiB,
  maxStreamDecompressedBytes: 40 * MiB,
  maxPacketDecompressedBytes: 1 * MiB,
  maxStreamBytes: 64 * MiB,
  maxLayerDepth: 4,
  maxPacketMessages: 8192,
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
