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

/** Per struct, v and every field, in Go's order, and the same as `"key":` (struct tags hold no escapes). */
const NAMES = {} as Record<StructName, string[]>;
const KEYS = {} as Record<StructName, string[]>;
for (const name of Object.keys(SCHEMAS) as StructName[]) {
  NAMES[name] = [V_KEY, ...SCHEMAS[name].map((fs) => fs.key)];
  KEYS[name] = NAMES[name].map((k) => `"${k}":`);
}

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

/** What field() returns when the fast path does not apply. */
const FAIL: unique symbol = Symbol("fail");

/** Decodes field `fs` (value at pos) from its parsed value `val`: the value, or FAIL. */
function field(t: string, fs: FieldSpec, val: unknown): unknown {
  switch (fs.kind) {
    case "string": {
      const k = str(t, val);
      return k > 0 ? val : k === 0 ? "" : FAIL; // null: Go leaves the zero value
    }
    case "int64":
    case "uint16": {
      const n = int(t, fs.kind === "int64" ? INT64 : UINT16);
      return n !== n ? FAIL : n;
    }
    case "strings": {
      if (val === null) return str(t, val) === 0 ? null : FAIL; // null: nil slice
      if (t.charCodeAt(pos) !== 91 || !Array.isArray(val)) return FAIL;
      pos++;
      for (let k = 0; k < val.length; k++) {
        if (k > 0 && t.charCodeAt(pos++) !== 44) return FAIL;
        if (str(t, val[k]) <= 0) return FAIL; // a null element (Go: ""): general decoder
      }
      if (t.charCodeAt(pos++) !== 93) return FAIL;
      return val; // JSON.parse's own fresh array of strings
    }
    case "owners": {
      if (t.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (t.charCodeAt(pos) !== 123) return FAIL;
      pos++;
      if (t.charCodeAt(pos) === 125) pos++;
      else {
        for (;;) {
          if (t.charCodeAt(pos) !== 34) return FAIL;
          pos = t.indexOf('"', pos + 1) + 1;
          if (t.charCodeAt(pos++) !== 58 || t.charCodeAt(pos) === 110) return FAIL; // a null owner time: general decoder
          const n = int(t, INT64);
          if (n !== n) return FAIL;
          const c = t.charCodeAt(pos++);
          if (c === 125) break;
          if (c !== 44) return FAIL;
        }
      }
      // Later repeats of an owner win in JSON.parse's object as in Go's map; key order is the same rule.
      return Object.assign(Object.create(null) as Record<string, number>, val);
    }
    case "nats":
    case "endpoints": {
      if (t.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (t.charCodeAt(pos) !== 91 || !Array.isArray(val)) return FAIL;
      pos++;
      const el: StructName = fs.kind === "nats" ? "NATEntry" : "EndpointMapping";
      const arr: Record<string, unknown>[] = new Array(val.length);
      for (let k = 0; k < val.length; k++) {
        if (k > 0 && t.charCodeAt(pos++) !== 44) return FAIL;
        const s = struct(t, el, val[k]);
        if (s === null) return FAIL;
        arr[k] = s;
      }
      if (t.charCodeAt(pos++) !== 93) return FAIL;
      return arr;
    }
  }
}

/** A zero struct holding the first `n` members of `o` (keys in Go's order; missing ones stay zero). */
function copied(name: StructName, o: Record<string, unknown>, n: number): Record<string, unknown> {
  const out = zeroStruct(name);
  const names = NAMES[name];
  for (let j = 0; j < n; j++) {
    const v = o[names[j]!];
    if (v !== undefined) out[names[j]!] = v;
  }
  return out;
}

/**
 * The struct at pos, whose parsed value is `obj`, or null. When every key is there (in Go's order) and
 * every value is JSON.parse's own, the parsed object IS the decoded struct (same keys, same order, same
 * values) and is returned as it is; otherwise a zero struct is filled in. Nothing parsed is changed, so
 * a fall back to the general decoder sees JSON.parse's values.
 */
function struct(t: string, name: StructName, obj: unknown): Record<string, unknown> | null {
  if (t.charCodeAt(pos) !== 123 || typeof obj !== "object" || obj === null) return null;
  pos++;
  if (t.charCodeAt(pos) === 125) {
    pos++;
    return zeroStruct(name);
  }
  const keys = KEYS[name];
  const names = NAMES[name];
  const specs = SCHEMAS[name];
  const o = obj as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  let next = 0;
  for (;;) {
    // The next key Go writes, or a later one (v and omitempty keys may be left out). Unknown, repeated,
    // out-of-order or case-folded keys: the general decoder.
    let j = next;
    for (; j < keys.length; j++) if (t.startsWith(keys[j]!, pos)) break;
    if (j === keys.length) return null;
    if (j !== next && out === null) out = copied(name, o, next); // a key left out: not o's shape
    pos += keys[j]!.length;
    next = j + 1;
    let dv: unknown;
    if (j === 0) {
      const v = int(t, UINT8);
      dv = v !== v ? FAIL : v;
    } else dv = field(t, specs[j - 1]!, o[names[j]!]);
    if (dv === FAIL) return null;
    if (out === null && dv !== o[names[j]!]) out = copied(name, o, j); // a value JSON.parse did not give
    if (out !== null) out[names[j]!] = dv;
    const c = t.charCodeAt(pos++);
    if (c === 125) return out ?? (next === keys.length ? o : copied(name, o, next));
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
