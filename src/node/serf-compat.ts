// What a non-Serf member needs to look right inside a Serf 0.9.x cluster (memberlist-wire.md §14):
// - node meta = tags: 0xFF + msgpack map[string]string (old-spec raw strings, like go-msgpack writes);
//   meta that does not start with 0xFF is Serf's legacy "role" string;
// - a graceful leave shows as "left" only after a Serf leave intent (user message type 0,
//   msgpack {LTime, Node, Prune}) whose LTime is newer than what Serf has seen, so we track the highest
//   Serf Lamport time seen in push/pull state (type 2) and in join/leave intents (types 1/0).
// Byte layouts (Serf wire, append-only numbering):
//   tags meta:     ff | msgpack map                      (SERF_TAG_MAGIC = 0xff)
//   leave intent:  00 | msgpack {LTime, Node, Prune}     (sent inside memberlist user message 08)
//   Serf msg types: 0 leave, 1 join, 2 push-pull, 3 user event, 4 query, 5 query response, ...
import { decode } from "@msgpack/msgpack";

export const SERF_TAG_MAGIC = 0xff;
export const SerfMessageType = { leave: 0, join: 1, pushPull: 2, userEvent: 3 } as const;

const te = new TextEncoder();
const td = new TextDecoder();

function rawStr(s: string, out: number[]): void {
  const b = te.encode(s);
  if (b.length < 32) out.push(0xa0 | b.length);
  else if (b.length < 0x10000) out.push(0xda, b.length >> 8, b.length & 0xff);
  else out.push(0xdb, (b.length >>> 24) & 0xff, (b.length >>> 16) & 0xff, (b.length >>> 8) & 0xff, b.length & 0xff);
  for (const x of b) out.push(x);
}

function mapHeader(n: number, out: number[]): void {
  if (n < 16) out.push(0x80 | n);
  else out.push(0xde, n >> 8, n & 0xff);
}

function uint(n: number, out: number[]): void {
  if (n < 128) out.push(n);
  else if (n < 0x100) out.push(0xcc, n);
  else if (n < 0x10000) out.push(0xcd, n >> 8, n & 0xff);
  else if (n < 0x100000000) out.push(0xce, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  else {
    const hi = Math.floor(n / 0x100000000);
    out.push(0xcf, (hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff);
    out.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
}

/** Serf tag meta: 0xFF + msgpack map (keys sorted, so the bytes are deterministic). `{}` is `ff 80`. */
export function encodeSerfTags(tags: Record<string, string>): Uint8Array {
  const keys = Object.keys(tags).sort();
  const out: number[] = [SERF_TAG_MAGIC];
  mapHeader(keys.length, out);
  for (const k of keys) {
    rawStr(k, out);
    rawStr(tags[k]!, out);
  }
  return Uint8Array.from(out);
}

/** Tags of a member as Serf would show them; undefined when 0xFF is followed by something that is not a map. */
export function decodeSerfTags(meta: Uint8Array): Record<string, string> | undefined {
  if (meta.length === 0 || meta[0] !== SERF_TAG_MAGIC) return { role: td.decode(meta) };
  // A map of raw strings (fixstr/str8/16/32, and bin8/16/32 as Go's lenient decoder accepts), nothing else.
  let i = 1;
  const u = (n: number): number => {
    if (i + n > meta.length) throw new RangeError("truncated");
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + meta[i++]!;
    return v;
  };
  const str = (): string => {
    const t = u(1);
    let len: number;
    if ((t & 0xe0) === 0xa0) len = t & 0x1f;
    else if (t === 0xd9 || t === 0xc4) len = u(1);
    else if (t === 0xda || t === 0xc5) len = u(2);
    else if (t === 0xdb || t === 0xc6) len = u(4);
    else throw new TypeError("not a string");
    if (i + len > meta.length) throw new RangeError("truncated");
    const sv = td.decode(meta.subarray(i, i + len));
    i += len;
    return sv;
  };
  try {
    const h = u(1);
    let n: number;
    if ((h & 0xf0) === 0x80) n = h & 0x0f;
    else if (h === 0xde) n = u(2);
    else if (h === 0xdf) n = u(4);
    else return undefined;
    const out: Record<string, string> = Object.create(null) as Record<string, string>; // "__proto__" is a valid tag key
    for (let k = 0; k < n; k++) {
      const key = str();
      out[key] = str();
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Serf leave intent payload (the memberlist user message body, without the 0x08 type byte). */
export function encodeSerfLeaveIntent(node: string, ltime: number): Uint8Array {
  const out: number[] = [SerfMessageType.leave];
  mapHeader(3, out);
  rawStr("LTime", out);
  uint(ltime, out);
  rawStr("Node", out);
  rawStr(node, out);
  rawStr("Prune", out);
  out.push(0xc2);
  return Uint8Array.from(out);
}

/**
 * The Serf Lamport time carried by a Serf user message or push/pull state (types 0, 1, 2), if any.
 * Anything else (other types, undecodable bytes) yields undefined: a non-Serf member ignores it.
 */
export function serfLTime(buf: Uint8Array): number | undefined {
  if (buf.length < 2) return undefined;
  const t = buf[0];
  if (t !== SerfMessageType.leave && t !== SerfMessageType.join && t !== SerfMessageType.pushPull) return undefined;
  try {
    const v = decode(buf.subarray(1), { maxStrLength: 1 << 16, maxMapLength: 1 << 16, maxArrayLength: 1 << 16, maxBinLength: 1 << 16 }) as unknown;
    if (v === null || typeof v !== "object") return undefined;
    const lt = (v as Record<string, unknown>)["LTime"];
    if (typeof lt === "number" && Number.isFinite(lt) && lt >= 0) return lt;
    if (typeof lt === "bigint" && lt >= 0n) return Number(lt);
    return undefined;
  } catch {
    return undefined;
  }
}
