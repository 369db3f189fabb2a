// Decoder for Gravity gossip envelopes with Go encoding/json semantics (what Go's gossip.Decode accepts,
// we accept; what it rejects, we reject with a typed GossipDecodeError):
// - envelope {"type": uint8, "payload": raw JSON}; type not 1..5 -> unknown_type (also when missing or
//   null, which Go reads as 0); no payload key -> missing_payload; payload null -> all-zero struct.
// - keys match exactly, else case-insensitively (Go's fold); unknown keys are ignored for the struct but
//   kept as raw text in `extra` (docs/protocols/gravity.md §4.5). A repeated key is decoded at every occurrence (a
//   type error in any is an error) INTO the value so far, as Go does: the last scalar wins, null leaves
//   the value unchanged, maps merge, nested struct elements are decoded over the earlier ones.
// - null for a string/number field leaves the zero value; null for a slice/map gives null (Go nil).
// - numbers must be integer literals (Go rejects 1.0, 1e3; unsigned fields also reject any '-');
//   uint8/uint16 are range-checked. RESTRICTION: int64 fields (timestamps, owner times) must lie within
//   ±(2^53-1), the exact range of JS numbers; larger ones Go would accept are rejected (out_of_range).
// - strings with lone surrogate escapes become U+FFFD, as Go decodes them. Input larger than maxBytes
//   (default 1 MiB) is rejected before parsing.
// Known divergences (exotic): invalid UTF-8 bytes are replaced per WHATWG decoding rather than Go's
// per-byte rule; a repeated array key that grows past the earlier array's length may see Go's stale
// backing-array data where we see zero values.
// Checked against Go's encoding/json itself: test/gossip/go-vectors.json.
import { GossipDecodeError, type GossipDecodeReason } from "./errors.ts";
import { arrayElements, foldKey, keyText, objectMembers, skipWs } from "./json-scan.ts";
import { fastDecode, fastDecodeBatch } from "./decode-fast.ts";
import { decodedMessage, zeroStruct } from "./decoded.ts";
import { SCHEMAS, V_KEY, referenceSchema, type FieldSpec, type GossipSchema } from "./schema.ts";
import type { DecodedMessage } from "./types.ts";
import { MESSAGE_NAMES, type StructName, isMessageType } from "./wire.ts";

export interface DecodeOptions {
  /** Largest accepted input (bytes for Uint8Array, UTF-16 units for strings). Default 1 MiB. */
  maxBytes?: number;
  /** Our schema versions (createGossipSchema(platform) in a runtime). Default referenceSchema(). */
  schema?: GossipSchema;
}

const DEFAULT_MAX = 1 << 20;
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }); // keep a BOM so it fails like Go's decoder
const utf8enc = new TextEncoder();

/** Field lookup per struct: exact key -> index, folded key -> index. Index -1 is the `v` field. */
interface FieldIndex {
  exact: Map<string, number>;
  fold: Map<string, number>;
}
const INDEX = {} as Record<StructName, FieldIndex>;
/** Keys in Go's encoding order (slot 0 = v), for the in-place fast path. */
const ORDER = {} as Record<StructName, string[]>;
/** ".key" per field, for error paths. */
const DOT = {} as Record<StructName, string[]>;
for (const name of Object.keys(SCHEMAS) as StructName[]) {
  const exact = new Map<string, number>([[V_KEY, -1]]);
  const fold = new Map<string, number>([[foldKey(V_KEY), -1]]);
  SCHEMAS[name].forEach((fs, i) => {
    exact.set(fs.key, i);
    fold.set(foldKey(fs.key), i);
  });
  INDEX[name] = { exact, fold };
  ORDER[name] = [V_KEY, ...SCHEMAS[name].map((fs) => fs.key)];
  DOT[name] = SCHEMAS[name].map((fs) => `.${fs.key}`);
}

const SURROGATE_HINT = /\\u[dD][89a-fA-F]|[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

interface Ctx {
  t: string;
  /** Input was bytes: report byte offsets. */
  bytes: boolean;
  fixSurrogates: boolean;
  /** Batch index for field paths ("[3].payload..."), or -1. */
  index: number;
  schema: GossipSchema;
}

function fail(ctx: Ctx, reason: GossipDecodeReason, message: string, at: number, field?: string, suffix = ""): never {
  if (field !== undefined) field += suffix;
  const offset = ctx.bytes ? utf8enc.encode(ctx.t.slice(0, at)).length : at;
  const prefix = ctx.index < 0 ? "" : `[${ctx.index}].`;
  const path = field !== undefined ? prefix + field : prefix !== "" ? prefix.slice(0, -1) : undefined;
  throw new GossipDecodeError(reason, path === undefined ? message : `${path}: ${message}`, {
    offset,
    ...(path === undefined ? {} : { field: path }),
  });
}

function jsonKind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v;
}

function readString(ctx: Ctx, v: unknown, at: number, path: string, key: string, prev = ""): string {
  if (v === null || v === undefined) return prev; // Go: null leaves a string unchanged
  if (typeof v !== "string") fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(v)} into string`, at, path, `.${key}`);
  return ctx.fixSurrogates ? v.replace(LONE_SURROGATE, "\ufffd") : v;
}

/** Reads an integer from its literal text [s, e). kind: "uint8" | "uint16" | "int64". */
function readInt(ctx: Ctx, s: number, e: number, kind: "uint8" | "uint16" | "int64", path: string, suffix = "", prev = 0): number {
  const t = ctx.t;
  let c = t.charCodeAt(s);
  if (c === 110) return prev; // null: Go leaves a number unchanged
  // Integer literal: -?(0|[1-9][0-9]*), digits only (Go's ParseInt/ParseUint reject 1.0, 1e3; unsigned
  // kinds reject any sign). Accumulated while checking; exact while below 2^53.
  let i = s;
  const neg = c === 45;
  if (neg) c = t.charCodeAt(++i);
  let n = 0;
  let ok = c >= 48 && c <= 57 && !(neg && kind !== "int64") && !(c === 48 && i + 1 < e);
  for (; ok && i < e; i++) {
    c = t.charCodeAt(i);
    if (c < 48 || c > 57) ok = false;
    else n = n * 10 + (c - 48);
  }
  if (!ok) {
    const lit = t.slice(s, e);
    const k = t.charCodeAt(s);
    const what = k === 45 || (k >= 48 && k <= 57) ? `number ${lit}` : jsonKind(JSON.parse(lit));
    fail(ctx, "bad_field", `cannot unmarshal ${what} into ${kind}`, s, path, suffix);
  }
  if (e - s > 15) n = Number(t.slice(s, e)); // long literals: let Number round exactly like JSON.parse
  else if (neg) n = -n;
  n += 0; // -0 -> 0
  if (kind === "uint8" ? n > 255 : kind === "uint16" ? n > 65535 : !Number.isSafeInteger(n)) {
    const lit = t.slice(s, e);
    fail(
      ctx,
      "out_of_range",
      kind === "int64" ? `number ${lit} outside the supported int64 range ±(2^53-1)` : `number ${lit} overflows ${kind}`,
      s,
      path,
      suffix,
    );
  }
  return n;
}

/**
 * Decodes a struct value the way Go decodes INTO an existing value: `base` (a nested element being
 * decoded again, see decodeField) or a zero struct. null leaves it unchanged, as in Go.
 */
function decodeStruct(ctx: Ctx, name: StructName, obj: unknown, start: number, path: string, base?: Record<string, unknown>): Record<string, unknown> {
  const out = base === undefined ? zeroStruct(name) : { ...base };
  if (obj === null) return out;
  if (typeof obj !== "object" || Array.isArray(obj)) {
    fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(obj)} into Go value of type gossip.${name}`, start, path);
  }
  const t = ctx.t;
  const { exact, fold } = INDEX[name];
  const mem = objectMembers(t, start);
  const order = ORDER[name];
  // Fields are decoded in member order into `out`, every occurrence of a repeated key included (Go
  // checks each and the last wins; maps and nested elements are decoded into what is already there).
  // Without repeats the parsed object holds each member's value; with repeats, members are re-parsed.
  const found: number[] = [];
  const keys: string[] = [];
  let seen = 0;
  let repeats = false;
  let extra = "";
  let next = 0;
  for (let j = 0; j < mem.length; j += 4) {
    const ks = mem[j]!;
    const klen = mem[j + 1]! - ks - 2;
    // Fast path: the key Go writes next (or the one after, when v or an omitempty key is left out),
    // matched in place. Field keys hold no escapes, so a raw match is a decoded match.
    let fi: number | undefined;
    let key = "";
    for (let o = next; o < next + 2 && o < order.length; o++) {
      const want = order[o]!;
      if (klen === want.length && t.startsWith(want, ks + 1)) {
        fi = o - 1;
        key = want;
        next = o + 1;
        break;
      }
    }
    if (fi === undefined) {
      key = keyText(t, ks, mem[j + 1]!);
      fi = exact.get(key);
      if (fi === undefined) fi = fold.get(foldKey(key));
    }
    if (fi === undefined) {
      extra += (extra === "" ? "" : ",") + t.slice(ks, mem[j + 3]!);
      continue;
    }
    const bit = 1 << (fi + 1);
    if (seen & bit) repeats = true;
    seen |= bit;
    found.push(fi, j);
    keys.push(key);
  }
  const o = obj as Record<string, unknown>;
  for (let n = 0; n < found.length; n += 2) {
    const fi = found[n]!;
    const j = found[n + 1]!;
    const vs = mem[j + 2]!;
    const ve = mem[j + 3]!;
    if (fi < 0) {
      out.v = readInt(ctx, vs, ve, "uint8", path, ".v", out.v as number);
      continue;
    }
    const fs = SCHEMAS[name][fi]!;
    const val = repeats ? JSON.parse(t.slice(vs, ve)) : o[keys[n / 2]!];
    out[fs.key] = decodeField(ctx, name, fi, val, vs, ve, path, out[fs.key]);
  }
  if (extra !== "") out.extra = typeof out.extra === "string" && out.extra !== "" ? `${out.extra},${extra}` : extra;
  return out;
}

/** Decodes field i of struct `name` from its parsed value and text span [vs, ve), into `prev` (Go). */
function decodeField(ctx: Ctx, name: StructName, i: number, val: unknown, vs: number, ve: number, path: string, prev: unknown): unknown {
  const t = ctx.t;
  const fs = SCHEMAS[name][i]!;
  switch (fs.kind) {
    case "string":
      return readString(ctx, val, vs, path, fs.key, prev as string);
    case "int64":
    case "uint16":
      return readInt(ctx, vs, ve, fs.kind, path, DOT[name]![i]!, prev as number);
    case "strings": {
      if (val === null) return null;
      const fpath = path + DOT[name]![i]!;
      if (!Array.isArray(val)) fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(val)} into []string`, vs, fpath);
      const old = prev as string[] | null;
      const arr: string[] = new Array<string>(val.length);
      for (let k = 0; k < val.length; k++) {
        const el: unknown = val[k];
        if (typeof el === "string") arr[k] = ctx.fixSurrogates ? el.replace(LONE_SURROGATE, "\ufffd") : el;
        else if (el === null) arr[k] = old?.[k] ?? ""; // Go reuses the slice's backing array
        else fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(el)} into string`, arrayElements(t, vs)[2 * k]!, `${fpath}[${k}]`);
      }
      return arr;
    }
    case "owners": {
      if (val === null) return null;
      const fpath = path + DOT[name]![i]!;
      if (typeof val !== "object" || Array.isArray(val)) {
        fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(val)} into map[string]int64`, vs, fpath);
      }
      // Go keeps the entries of a map it decodes into (a repeated "owners" key merges).
      const owners = Object.assign(Object.create(null) as Record<string, number>, prev as Record<string, number> | null);
      const om = objectMembers(t, vs);
      for (let k = 0; k < om.length; k += 4) {
        let owner = keyText(t, om[k]!, om[k + 1]!);
        if (ctx.fixSurrogates) owner = owner.replace(LONE_SURROGATE, "\ufffd");
        owners[owner] = readInt(ctx, om[k + 2]!, om[k + 3]!, "int64", `${fpath}[${JSON.stringify(owner)}]`);
      }
      return owners;
    }
    case "nats":
    case "endpoints": {
      if (val === null) return null;
      const fpath = path + DOT[name]![i]!;
      const elName: StructName = fs.kind === "nats" ? "NATEntry" : "EndpointMapping";
      if (!Array.isArray(val)) fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(val)} into []gossip.${elName}`, vs, fpath);
      const old = prev as Record<string, unknown>[] | null;
      const spans = arrayElements(t, vs);
      const arr: Record<string, unknown>[] = new Array(val.length);
      for (let k = 0; k < val.length; k++) arr[k] = decodeStruct(ctx, elName, val[k], spans[2 * k]!, `${fpath}[${k}]`, old?.[k]);
      return arr;
    }
  }
}

/** Decodes the envelope whose parsed value is `root` and whose text starts at `start`. */
function decodeEnvelope(ctx: Ctx, root: unknown, start: number): DecodedMessage {
  const t = ctx.t;
  if (root === null) fail(ctx, "unknown_type", "unknown message type 0", start);
  if (typeof root !== "object" || Array.isArray(root)) {
    fail(ctx, "bad_field", `cannot unmarshal ${jsonKind(root)} into Go value of type gossip.Envelope`, start);
  }
  const mem = objectMembers(t, start);
  let typeAt = -1;
  let payloadAt = -1;
  let payloadKey = "";
  for (let j = 0; j < mem.length; j += 4) {
    const key = keyText(t, mem[j]!, mem[j + 1]!);
    const k = key === "type" || key === "payload" ? key : foldKey(key);
    if (k === "type" || k === "TYPE") {
      if (typeAt >= 0) readInt(ctx, mem[typeAt + 2]!, mem[typeAt + 3]!, "uint8", "type"); // Go checks every occurrence
      typeAt = j;
    }
    else if (k === "payload" || k === "PAYLOAD") {
      payloadAt = j;
      payloadKey = key;
    }
  }
  const type = typeAt < 0 ? 0 : readInt(ctx, mem[typeAt + 2]!, mem[typeAt + 3]!, "uint8", "type");
  if (!isMessageType(type)) fail(ctx, "unknown_type", `unknown message type ${type}`, typeAt < 0 ? start : mem[typeAt + 2]!);
  if (payloadAt < 0) fail(ctx, "missing_payload", "envelope has no payload (unexpected end of JSON input)", start);
  const ps = mem[payloadAt + 2]!;
  const raw = t.slice(ps, mem[payloadAt + 3]!);
  const name = MESSAGE_NAMES[type];
  const payload = decodeStruct(ctx, name, (root as Record<string, unknown>)[payloadKey], ps, "payload");
  return decodedMessage(ctx.schema, type, payload, raw);
}

function prepare(input: Uint8Array | string, opts: DecodeOptions | undefined): { t: string; bytes: boolean; root: unknown } {
  const max = opts?.maxBytes ?? DEFAULT_MAX;
  if (input.length > max) {
    throw new GossipDecodeError("too_large", `gossip input of ${input.length} bytes exceeds the ${max}-byte limit`, { offset: max });
  }
  const bytes = typeof input !== "string";
  const t = bytes ? utf8.decode(input) : input;
  let root: unknown;
  try {
    root = JSON.parse(t);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const at = m ? Math.min(Number(m[1]), t.length) : 0;
    const offset = bytes ? utf8enc.encode(t.slice(0, at)).length : at;
    throw new GossipDecodeError("malformed_json", `malformed gossip JSON: ${(e as Error).message}`, { offset, cause: e });
  }
  return { t, bytes, root };
}

/** Decodes one JSON envelope (Go's gossip.Decode). Throws GossipDecodeError. */
export function decode(input: Uint8Array | string, opts?: DecodeOptions): DecodedMessage {
  const { t, bytes, root } = prepare(input, opts);
  const schema = opts?.schema ?? referenceSchema();
  return fastDecode(schema, t, root) ?? decodeGeneral(schema, t, bytes, root);
}

/** decode() without the fast path (decode-fast.ts): the reference the fast path is tested against. */
export function decodeGeneral(schema: GossipSchema, t: string, bytes: boolean, root: unknown): DecodedMessage {
  const ctx: Ctx = { t, bytes, fixSurrogates: SURROGATE_HINT.test(t), index: -1, schema };
  return decodeEnvelope(ctx, root, skipWs(t, 0));
}

/**
 * Decodes a JSON array of envelopes, or a single envelope (-> one element). All or nothing: the first bad
 * element throws, with its index in `field` ("[3].payload.timestamp").
 */
export function decodeBatch(input: Uint8Array | string, opts?: DecodeOptions): DecodedMessage[] {
  const { t, bytes, root } = prepare(input, opts);
  const schema = opts?.schema ?? referenceSchema();
  return fastDecodeBatch(schema, t, root) ?? decodeBatchGeneral(schema, t, bytes, root);
}

/** decodeBatch() without the fast path (decode-fast.ts): the reference the fast path is tested against. */
export function decodeBatchGeneral(schema: GossipSchema, t: string, bytes: boolean, root: unknown): DecodedMessage[] {
  const fixSurrogates = SURROGATE_HINT.test(t);
  const start = skipWs(t, 0);
  if (!Array.isArray(root)) return [decodeEnvelope({ t, bytes, fixSurrogates, index: -1, schema }, root, start)];
  const spans = arrayElements(t, start);
  const out: DecodedMessage[] = new Array(root.length);
  const ctx: Ctx = { t, bytes, fixSurrogates, index: 0, schema };
  for (let i = 0; i < root.length; i++) {
    ctx.index = i;
    out[i] = decodeEnvelope(ctx, root[i], spans[2 * i]!);
  }
  return out;
}

/**
 * Decodes a JSON array of envelopes element by element: each element is its message or the
 * GossipDecodeError it raised (so one bad record does not hide the rest, e.g. in a push/pull state).
 * Input that is not JSON, or not an array, throws as decodeBatch does.
 */
export function decodeEach(input: Uint8Array | string, opts?: DecodeOptions): (DecodedMessage | GossipDecodeError)[] {
  const { t, bytes, root } = prepare(input, opts);
  const start = skipWs(t, 0);
  const schema = opts?.schema ?? referenceSchema();
  if (!Array.isArray(root)) return [decodeEnvelope({ t, bytes, fixSurrogates: SURROGATE_HINT.test(t), index: -1, schema }, root, start)];
  const fixSurrogates = SURROGATE_HINT.test(t);
  const spans = arrayElements(t, start);
  const out: (DecodedMessage | GossipDecodeError)[] = new Array(root.length);
  for (let i = 0; i < root.length; i++) {
    try {
      out[i] = decodeEnvelope({ t, bytes, fixSurrogates, index: i, schema }, root[i], spans[2 * i]!);
    } catch (e) {
      if (!(e instanceof GossipDecodeError)) throw e;
      out[i] = e;
    }
  }
  return out;
}
