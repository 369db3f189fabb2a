// What a non-Serf member needs to look right inside a Serf 0.9.x cluster (docs/protocols/serf.md):
// - node meta = tags: 0xFF + msgpack map[string]string (old-spec raw strings, like go-msgpack writes);
//   meta that does not start with 0xFF is Serf's legacy "role" string;
// - a graceful leave shows as "left" only after a Serf leave intent (user message type 0,
//   msgpack {LTime, Node, Prune}) whose LTime is newer than what Serf has seen, so we track the highest
//   Serf Lamport time seen in push/pull state (type 2) and in join/leave intents (types 1/0).
// Byte layouts (Serf wire, append-only numbering):
//   tags meta:     ff | msgpack map                      (SERF_TAG_MAGIC = 0xff)
//   leave intent:  00 | msgpack {LTime, Node, Prune}     (sent inside memberlist user message 08)
//   Serf msg types: 0 leave, 1 join, 2 push-pull, 3 user event, 4 query, 5 query response, ...
//
// Encoded and decoded with memberlist's go-msgpack-exact codec (codec/msgpack.ts, codec/msgpack-reader.ts):
// old-spec raw strings, smallest unsigned ints, as Serf's go-msgpack writes them.
import { DEFAULT_LIMITS } from "./codec/limits.ts";
import { MsgpackReader } from "./codec/msgpack-reader.ts";
import { encodeWith } from "./codec/msgpack.ts";

export const SERF_TAG_MAGIC = 0xff;
export const SerfMessageType = { leave: 0, join: 1, pushPull: 2, userEvent: 3 } as const;

/** Serf tag meta: 0xFF + msgpack map (keys sorted, so the bytes are deterministic). `{}` is `ff 80`. */
export function encodeSerfTags(tags: Record<string, string>): Uint8Array {
  const keys = Object.keys(tags).sort();
  return encodeWith((w) => {
    w.byte(SERF_TAG_MAGIC);
    w.mapHeader(keys.length);
    for (const k of keys) {
      w.str(k);
      w.str(tags[k]!);
    }
  });
}

/** Tags of a member as Serf would show them; undefined when 0xFF is followed by something that is not a map. */
export function decodeSerfTags(meta: Uint8Array): Record<string, string> | undefined {
  if (meta.length === 0 || meta[0] !== SERF_TAG_MAGIC) return { role: new TextDecoder().decode(meta) };
  // A map of raw strings (fixstr/str8/16/32, and bin8/16/32 as Go's lenient decoder accepts), nothing else.
  const h = meta[1];
  if (h === undefined || !((h & 0xf0) === 0x80 || h === 0xde || h === 0xdf)) return undefined;
  try {
    const r = new MsgpackReader(meta, DEFAULT_LIMITS, 1);
    const n = r.mapHeader();
    const out: Record<string, string> = Object.create(null) as Record<string, string>; // "__proto__" is a valid tag key
    for (let k = 0; k < n; k++) {
      const key = r.anyStr();
      out[key] = r.anyStr();
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Serf leave intent payload (the memberlist user message body, without the 0x08 type byte). */
export function encodeSerfLeaveIntent(node: string, ltime: number): Uint8Array {
  return encodeWith((w) => {
    w.byte(SerfMessageType.leave);
    w.mapHeader(3);
    w.str("LTime");
    w.uint(ltime);
    w.str("Node");
    w.str(node);
    w.str("Prune");
    w.bool(false);
  });
}

const LTIME = [0x4c, 0x54, 0x69, 0x6d, 0x65]; // "LTime"

/**
 * The Serf Lamport time carried by a Serf user message or push/pull state (types 0, 1, 2), if any.
 * Anything else (other types, undecodable bytes) yields undefined: a non-Serf member ignores it.
 */
export function serfLTime(buf: Uint8Array): number | undefined {
  if (buf.length < 2) return undefined;
  const t = buf[0];
  if (t !== SerfMessageType.leave && t !== SerfMessageType.join && t !== SerfMessageType.pushPull) return undefined;
  try {
    const r = new MsgpackReader(buf, DEFAULT_LIMITS, 1);
    const n = r.mapHeader();
    let lt: number | undefined;
    for (let i = 0; i < n; i++) {
      const len = r.keyLength();
      let isLTime = len === LTIME.length;
      for (let k = 0; isLTime && k < len; k++) if (buf[r.pos - len + k] !== LTIME[k]) isLTime = false;
      if (!isLTime) {
        r.skip();
        continue;
      }
      const v = r.intOrNil();
      lt = v !== null && v >= 0 ? v : undefined;
    }
    return lt;
  } catch {
    return undefined;
  }
}
