// Encoder producing the bytes Go's gossip.Encode produces: json.Marshal of the payload struct (keys in
// struct declaration order, `v` first and omitted when 0, omitempty fields left out when empty, nil
// slices/maps as null, map keys sorted bytewise, HTML-safe string escaping) wrapped as
// {"type":n,"payload":...} with no whitespace. V is stamped with OUR value on the payload and on every
// nested NewNATs/NewEndpoints element, whatever the input carried: we only ever send our own schema.
// Unknown members kept in `extra` are appended after the known keys (docs/protocols/gravity.md §4.5).
import { GossipEncodeError } from "./errors.ts";
import { compareGoStrings } from "./json-scan.ts";
import { SCHEMAS, referenceSchema, type FieldSpec, type GossipSchema } from "./schema.ts";
import type { DecodedMessage, GossipMessage } from "./types.ts";
import { MESSAGE_NAMES, type MessageType, type StructName, isMessageType } from "./wire.ts";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const NEEDS_CARE = /[<>&\u2028\u2029\ud800-\udfff]/;
const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * A JSON string literal as Go's encoder writes it. JSON.stringify already matches Go >= 1.22 for control
 * characters (\b \f \n \r \t, other C0 as \u00XX); Go additionally escapes < > & U+2028 U+2029, and a JS
 * lone surrogate (which Go strings cannot hold) is written as U+FFFD, as Go would after decoding it.
 */
export function goQuote(s: string): string {
  if (!NEEDS_CARE.test(s)) return JSON.stringify(s);
  return JSON.stringify(s.replace(LONE_SURROGATE, "\ufffd")).replace(HTML_UNSAFE, (c) => GO_ESCAPES[c]!);
}

function bad(field: string, msg: string): never {
  throw new GossipEncodeError("bad_field", `${field}: ${msg}`, field);
}

function str(v: unknown, path: string): string {
  if (typeof v !== "string") bad(path, `expected a string, got ${typeof v}`);
  return goQuote(v);
}

function int(v: unknown, kind: "int64" | "uint16", path: string): string {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) bad(path, `expected a safe integer for ${kind}, got ${String(v)}`);
  if (kind === "uint16" && (v < 0 || v > 65535)) bad(path, `${v} overflows uint16`);
  return String(v + 0);
}

function isEmpty(fs: FieldSpec, v: unknown): boolean {
  if (fs.kind === "string") return v === "";
  if (fs.kind === "int64" || fs.kind === "uint16") return v === 0;
  return v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0);
}

function encodeStruct(schema: GossipSchema, name: StructName, p: unknown, path: string): string {
  if (p === null || typeof p !== "object") bad(path, `expected a ${name} object`);
  const o = p as Record<string, unknown>;
  let s = `{"v":${schema.v[name]}`;
  for (const fs of SCHEMAS[name]) {
    const v = o[fs.key];
    const fpath = `${path}.${fs.key}`;
    if (fs.omitempty && (v === undefined || isEmpty(fs, v))) continue;
    s += `,"${fs.key}":`;
    switch (fs.kind) {
      case "string":
        s += str(v, fpath);
        break;
      case "int64":
      case "uint16":
        s += int(v, fs.kind, fpath);
        break;
      case "strings":
        if (v === null || v === undefined) s += "null";
        else if (!Array.isArray(v)) bad(fpath, "expected an array of strings or null");
        else s += `[${v.map((x, i) => str(x, `${fpath}[${i}]`)).join(",")}]`;
        break;
      case "owners": {
        if (v === null || v === undefined) {
          s += "null";
          break;
        }
        if (typeof v !== "object" || Array.isArray(v)) bad(fpath, "expected an owner -> timestamp object or null");
        const keys = Object.keys(v).sort(compareGoStrings);
        const m = v as Record<string, unknown>;
        s += `{${keys.map((k) => `${goQuote(k)}:${int(m[k], "int64", `${fpath}[${JSON.stringify(k)}]`)}`).join(",")}}`;
        break;
      }
      case "nats":
      case "endpoints": {
        if (v === null || v === undefined) {
          s += "null";
          break;
        }
        if (!Array.isArray(v)) bad(fpath, "expected an array or null");
        const el: StructName = fs.kind === "nats" ? "NATEntry" : "EndpointMapping";
        s += `[${v.map((x, i) => encodeStruct(schema, el, x, `${fpath}[${i}]`)).join(",")}]`;
        break;
      }
    }
  }
  const extra = o.extra;
  if (typeof extra === "string" && extra !== "") s += `,${extra}`;
  return s + "}";
}

/** The JSON payload of a message, V stamped with `schema`'s (Go: json.Marshal of the stamped struct). */
export function encodePayload(msg: GossipMessage, schema: GossipSchema = referenceSchema()): string {
  const type = (msg as { type: unknown }).type;
  if (typeof type !== "number" || !isMessageType(type)) {
    throw new GossipEncodeError("unknown_type", `cannot stamp a version on message type ${String(type)}`);
  }
  return encodeStruct(schema, MESSAGE_NAMES[type], msg.payload, "payload");
}

/** Go's gossip.Encode as text: `{"type":n,"payload":{...}}`. Throws GossipEncodeError. */
export function encodeToString(msg: GossipMessage, schema?: GossipSchema): string {
  return `{"type":${msg.type},"payload":${encodePayload(msg, schema)}}`;
}

const utf8 = new TextEncoder();

/** Go's gossip.Encode: the envelope as UTF-8 bytes. Throws GossipEncodeError. */
export function encode(msg: GossipMessage, schema?: GossipSchema): Uint8Array {
  return utf8.encode(encodeToString(msg, schema));
}

/**
 * Re-gossip a received message verbatim: the envelope around its raw payload, so unknown keys and the
 * sender's V travel on untouched (docs/protocols/gravity.md §4.5).
 */
export function forwardEnvelope(msg: Pick<DecodedMessage, "type" | "raw">): string {
  return `{"type":${msg.type as MessageType},"payload":${msg.raw}}`;
}
