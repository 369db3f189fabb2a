// Fast path of the gossip decoder (decode.ts) for the text Go's Encode and our own encoder write: compact
// (no whitespace), no escape sequences, no control characters, no surrogates, keys exactly as the struct
// tags spell them and in Go's declaration order, numbers as plain integer literals. Such text decodes the
// same under every rule decode.ts implements (no case folding, no repeated keys, no unknown members, no
// lone surrogates), so one pass over the text next to JSON.parse's value checks what JSON.parse cannot
// tell (the literal text of every number, key order and uniqueness, the payload's raw span) and builds
// the very objects the general decoder builds (decoded.ts). Anything else, at any point, makes the fast
// path give up (return null) and the caller runs the general decoder from the start on the same parse,
// so results, errors and their offsets are the general decoder's whenever the fast path does not apply.
//
// Precondition: `t` is text JSON.parse accepted, and `root` is what it returned.
import { decodedMessage, zeroStruct } from "./decoded.ts";
import { SCHEMAS, V_KEY, type FieldSpec, type GossipSchema } from "./schema.ts";
import type { DecodedMessage } from "./types.ts";
import { MESSAGE_NAMES, type MessageType, type StructName } from "./wire.ts";

/** Characters that need the general decoder: control characters, escapes, UTF-16 surrogates. */
const NOT_SIMPLE = /[\x00-\x1f\\\ud800-\udfff]/;

/** Per struct, `"key":` of v and of every field, in Go's order (struct tags hold no escapes). */
const KEYS = {} as Record<StructName, string[]>;
for (const name of Object.keys(SCHEMAS) as StructName[]) KEYS[name] = [V_KEY, ...SCHEMAS[name].map((fs) => fs.key)].map((k) => `"${k}":`);

const INT64 = 0;
const UINT16 = 1;
const UINT8 = 2;

/** Scan position, shared by the helpers below (the decoder is synchronous). */
let pos = 0;

/**
 * An integer literal (or null, Go: unchanged, here the zero value) at pos followed by `,` `}` or `]`,
 * checked as Go's ParseInt/ParseUint would; NaN when the fast path does not apply.
 */
function int(t: string, kind: number): number {
  let i = pos;
  let c = t.charCodeAt(i);
  if (c === 110) {
    if (!t.startsWith("null", i)) return NaN;
    pos = i + 4;
    return 0;
  }
  const neg = c === 45;
  if (neg) {
    if (kind !== INT64) return NaN;
    c = t.charCodeAt(++i);
  }
  const s = i;
  let n = 0;
  while (c >= 48 && c <= 57) {
    n = n * 10 + (c - 48);
    c = t.charCodeAt(++i);
  }
  const len = i - s;
  // Up to 16 digits the sum is exact while it stays within ±(2^53-1), the int64 range decode.ts supports.
  if (len === 0 || len > 16 || (len > 1 && t.charCodeAt(s) === 48)) return NaN;
  if (c !== 44 && c !== 125 && c !== 93) return NaN; // 1.0, 1e3, ...
  if (n > (kind === UINT8 ? 255 : kind === UINT16 ? 65535 : Number.MAX_SAFE_INTEGER)) return NaN;
  pos = i;
  return neg ? 0 - n : n;
}

/**
 * The string whose parsed value is `val` at pos (without escapes its text is the value in quotes), or
 * null: 1 string, 0 null, -1 neither.
 */
function str(t: string, val: unknown): number {
  const c = t.charCodeAt(pos);
  if (c === 34 && typeof val === "string") {
    const end = pos + val.length + 1;
    if (t.charCodeAt(end) !== 34) return -1;
    pos = end + 1;
    return 1;
  }
  if (c === 110 && val === null) {
    pos += 4;
    return 0;
  }
  return -1;
}

/** Decodes field `fs` (value at pos) into `out` from its parsed value `val`; false: not for the fast path. */
function field(t: string, fs: FieldSpec, val: unknown, out: Record<string, unknown>): boolean {
  switch (fs.kind) {
    case "string": {
      const k = str(t, val);
      if (k > 0) out[fs.key] = val;
      return k >= 0;
    }
    case "int64":
    case "uint16": {
      const n = int(t, fs.kind === "int64" ? INT64 : UINT16);
      if (n !== n) return false;
      out[fs.key] = n;
      return true;
    }
    case "strings": {
      if (val === null) return str(t, val) === 0; // null: nil slice
      if (t.charCodeAt(pos) !== 91 || !Array.isArray(val)) return false;
      pos++;
      for (let k = 0; k < val.length; k++) {
        if (k > 0 && t.charCodeAt(pos++) !== 44) return false;
        if (str(t, val[k]) <= 0) return false; // a null element (Go: ""): general decoder
      }
      if (t.charCodeAt(pos++) !== 93) return false;
      out[fs.key] = val; // JSON.parse's own fresh array of strings
      return true;
    }
    case "owners": {
      if (t.startsWith("null", pos)) {
        pos += 4;
        return true;
      }
      if (t.charCodeAt(pos) !== 123) return false;
      pos++;
      if (t.charCodeAt(pos) === 125) pos++;
      else {
        for (;;) {
          if (t.charCodeAt(pos) !== 34) return false;
          pos = t.indexOf('"', pos + 1) + 1;
          if (t.charCodeAt(pos++) !== 58 || t.charCodeAt(pos) === 110) return false; // a null owner time: general decoder
          const n = int(t, INT64);
          if (n !== n) return false;
          const c = t.charCodeAt(pos++);
          if (c === 125) break;
          if (c !== 44) return false;
        }
      }
      // Later repeats of an owner win in JSON.parse's object as in Go's map; key order is the same rule.
      out[fs.key] = Object.assign(Object.create(null) as Record<string, number>, val);
      return true;
    }
    case "nats":
    case "endpoints": {
      if (t.startsWith("null", pos)) {
        pos += 4;
        return true;
      }
      if (t.charCodeAt(pos) !== 91 || !Array.isArray(val)) return false;
      pos++;
      const el: StructName = fs.kind === "nats" ? "NATEntry" : "EndpointMapping";
      const arr: Record<string, unknown>[] = new Array(val.length);
      for (let k = 0; k < val.length; k++) {
        if (k > 0 && t.charCodeAt(pos++) !== 44) return false;
        const s = struct(t, el, val[k]);
        if (s === null) return false;
        arr[k] = s;
      }
      if (t.charCodeAt(pos++) !== 93) return false;
      out[fs.key] = arr;
      return true;
    }
  }
}

/** The struct at pos, whose parsed value is `obj`, or null. */
function struct(t: string, name: StructName, obj: unknown): Record<string, unknown> | null {
  if (t.charCodeAt(pos) !== 123 || typeof obj !== "object" || obj === null) return null;
  pos++;
  const out = zeroStruct(name);
  if (t.charCodeAt(pos) === 125) {
    pos++;
    return out;
  }
  const keys = KEYS[name];
  const specs = SCHEMAS[name];
  const o = obj as Record<string, unknown>;
  let next = 0;
  for (;;) {
    // The next key Go writes, or a later one (v and omitempty keys may be left out). Unknown, repeated,
    // out-of-order or case-folded keys: the general decoder.
    let fi = -2;
    for (let j = next; j < keys.length; j++) {
      const k = keys[j]!;
      if (t.startsWith(k, pos)) {
        fi = j - 1;
        next = j + 1;
        pos += k.length;
        break;
      }
    }
    if (fi === -2) return null;
    if (fi < 0) {
      const v = int(t, UINT8);
      if (v !== v) return null;
      out.v = v;
    } else {
      const fs = specs[fi]!;
      if (!field(t, fs, o[fs.key], out)) return null;
    }
    const c = t.charCodeAt(pos++);
    if (c === 125) return out;
    if (c !== 44) return null;
  }
}

/** The envelope at pos, whose parsed value is `env`, or null. */
function envelope(schema: GossipSchema, t: string, env: unknown): DecodedMessage | null {
  if (!t.startsWith('{"type":', pos) || typeof env !== "object" || env === null) return null;
  pos += 8;
  const type = int(t, UINT8);
  if (!(type >= 1 && type <= 5) || !t.startsWith(',"payload":', pos)) return null;
  pos += 11;
  const ps = pos;
  const payload = struct(t, MESSAGE_NAMES[type as MessageType], (env as { payload?: unknown }).payload);
  if (payload === null || t.charCodeAt(pos) !== 125) return null;
  const raw = t.slice(ps, pos);
  pos++;
  return decodedMessage(schema, type as MessageType, payload, raw);
}

/** decode() on the fast path: the message, or null when the general decoder must run. */
export function fastDecode(schema: GossipSchema, t: string, root: unknown): DecodedMessage | null {
  if (NOT_SIMPLE.test(t)) return null;
  pos = 0;
  const m = envelope(schema, t, root);
  return m !== null && pos === t.length ? m : null;
}

/** decodeBatch() on the fast path: the messages, or null when the general decoder must run. */
export function fastDecodeBatch(schema: GossipSchema, t: string, root: unknown): DecodedMessage[] | null {
  if (!Array.isArray(root)) {
    const m = fastDecode(schema, t, root);
    return m === null ? null : [m];
  }
  if (NOT_SIMPLE.test(t) || t.charCodeAt(0) !== 91) return null;
  pos = 1;
  const n = root.length;
  const out: DecodedMessage[] = new Array(n);
  if (n === 0) return t.length === 2 && t.charCodeAt(1) === 93 ? out : null;
  for (let i = 0; i < n; i++) {
    const m = envelope(schema, t, root[i]);
    if (m === null) return null;
    out[i] = m;
    if (t.charCodeAt(pos++) !== (i === n - 1 ? 93 : 44)) return null;
  }
  return pos === t.length ? out : null;
}
