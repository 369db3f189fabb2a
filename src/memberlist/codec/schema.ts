// memberlist's wire structs as data (spec memberlist-wire.md §3.3): Go field names, Go types, omitempty,
// listed in wire order (field names sorted byte-wise, as both go-msgpack versions emit them). One generic
// encoder and decoder walk these tables, so byte order and leniency live in one place.
import { MemberlistDecodeError, MemberlistEncodeError, MemberlistErrorCode } from "../errors.ts";
import type { MsgpackReader } from "./msgpack-reader.ts";
import type { MsgpackFlavor, MsgpackWriter } from "./msgpack.ts";

/**
 * Field kinds:
 * - str: Go string ("" when absent/nil); strOmit: omitempty string (undefined when absent)
 * - bytes: Go []byte never nil in our model (empty when absent/nil; encoded a0 when empty)
 * - bytesNil: Go []byte that may be nil (null <-> c0; a zero-length raw decodes to null, as in Go)
 * - bytesOmit: omitempty []byte (undefined when absent; omitted when empty)
 * - u16 / u32: unsigned; u16Omit: omitempty uint16
 * - int: Go int (flavour-dependent encoding); state: NodeStateType int limited to 0..3
 * - bool
 */
export type FieldKind =
  | "str"
  | "strOmit"
  | "bytes"
  | "bytesNil"
  | "bytesOmit"
  | "u16"
  | "u16Omit"
  | "u32"
  | "int"
  | "state"
  | "bool";

export interface FieldDef {
  readonly name: string;
  readonly kind: FieldKind;
}

export type StructDef = readonly FieldDef[];

/** Vsn is always 6 bytes: 0.2.2 peers (and every tagged release up to v0.6.0) crash on shorter ones. */
export const VSN_LENGTH = 6;
/** MetaMaxSize: Go refuses (panics on) larger local meta. */
export const META_MAX = 512;

const f = (name: string, kind: FieldKind): FieldDef => ({ name, kind });

/** Wire (sorted) key order per struct. */
export const SCHEMAS = {
  ping: [f("Node", "str"), f("SeqNo", "u32"), f("SourceAddr", "bytesOmit"), f("SourceNode", "strOmit"), f("SourcePort", "u16Omit")],
  indirectPingReq: [
    f("Nack", "bool"),
    f("Node", "str"),
    f("Port", "u16"),
    f("SeqNo", "u32"),
    f("SourceAddr", "bytesOmit"),
    f("SourceNode", "strOmit"),
    f("SourcePort", "u16Omit"),
    f("Target", "bytes"),
  ],
  ackResp: [f("Payload", "bytesNil"), f("SeqNo", "u32")],
  nackResp: [f("SeqNo", "u32")],
  errResp: [f("Error", "str")],
  suspect: [f("From", "str"), f("Incarnation", "u32"), f("Node", "str")],
  alive: [f("Addr", "bytes"), f("Incarnation", "u32"), f("Meta", "bytesNil"), f("Node", "str"), f("Port", "u16"), f("Vsn", "bytes")],
  dead: [f("From", "str"), f("Incarnation", "u32"), f("Node", "str")],
  pushPullHeader: [f("Join", "bool"), f("Nodes", "int"), f("UserStateLen", "int")],
  pushNodeState: [
    f("Addr", "bytes"),
    f("Incarnation", "u32"),
    f("Meta", "bytesNil"),
    f("Name", "str"),
    f("Port", "u16"),
    f("State", "state"),
    f("Vsn", "bytes"),
  ],
  userMsgHeader: [f("UserMsgLen", "int")],
  compress: [f("Algo", "int"), f("Buf", "bytes")],
} as const satisfies Record<string, StructDef>;

export type SchemaName = keyof typeof SCHEMAS;

const EMPTY = new Uint8Array(0);

function isOmitted(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case "strOmit":
      return v === undefined || v === "";
    case "bytesOmit":
      return v === undefined || (v as Uint8Array).length === 0;
    case "u16Omit":
      return v === undefined || v === 0;
    default:
      return false;
  }
}

/** Writes `obj` as a msgpack map in wire order, leaving out empty omitempty fields. */
export function writeStruct(w: MsgpackWriter, def: StructDef, obj: object, flavor: MsgpackFlavor): void {
  const o = obj as Record<string, unknown>;
  const keys = compile(def).keys;
  let n = 0;
  for (const fd of def) if (!isOmitted(fd.kind, o[fd.name])) n++;
  w.mapHeader(n);
  for (let i = 0; i < def.length; i++) {
    const fd = def[i]!;
    const v = o[fd.name];
    if (isOmitted(fd.kind, v)) continue;
    w.raw(keys[i]!);
    switch (fd.kind) {
      case "str":
      case "strOmit":
        w.str((v as string | undefined) ?? "");
        break;
      case "bytes":
      case "bytesOmit": {
        const b = (v as Uint8Array | undefined) ?? EMPTY;
        if (fd.name === "Vsn" && b.length !== VSN_LENGTH) throw new MemberlistEncodeError(`Vsn must be ${VSN_LENGTH} bytes, got ${b.length}`);
        w.rawBytes(b);
        break;
      }
      case "bytesNil":
        if (v === null || v === undefined) w.nil();
        else {
          const b = v as Uint8Array;
          if (fd.name === "Meta" && b.length > META_MAX) throw new MemberlistEncodeError(`Meta of ${b.length} bytes exceeds ${META_MAX}`);
          w.rawBytes(b);
        }
        break;
      case "u16":
      case "u16Omit":
      case "u32": {
        const n = (v as number | undefined) ?? 0;
        const max = fd.kind === "u32" ? 0xffffffff : 0xffff;
        if (!Number.isInteger(n) || n < 0 || n > max) throw new MemberlistEncodeError(`${fd.name} = ${n} does not fit its Go type`);
        w.uint(n);
        break;
      }
      case "int":
      case "state": {
        const n = (v as number | undefined) ?? 0;
        if (!Number.isSafeInteger(n)) throw new MemberlistEncodeError(`${fd.name} = ${n} is not an integer`);
        w.int(n, flavor);
        break;
      }
      case "bool":
        w.bool(v === true);
        break;
    }
  }
}

function zeroValue(kind: FieldKind): unknown {
  switch (kind) {
    case "str":
      return "";
    case "bytes":
      return EMPTY; // zero-length: nothing a caller could mutate
    case "bytesNil":
      return null;
    case "u16":
    case "u32":
    case "int":
    case "state":
      return 0;
    case "bool":
      return false;
    default:
      return undefined; // omitempty kinds stay absent
  }
}

/** Per-struct tables: field names as bytes (matched without building strings) and as encoded fixstr keys. */
interface Compiled {
  names: Uint8Array[];
  keys: Uint8Array[];
  zeros: unknown[];
}
const compiled = new WeakMap<StructDef, Compiled>();
function compile(def: StructDef): Compiled {
  let c = compiled.get(def);
  if (c === undefined) {
    const enc = new TextEncoder();
    const names = def.map((fd) => enc.encode(fd.name));
    const keys = names.map((b) => Uint8Array.of(0xa0 | b.length, ...b)); // every field name is < 32 bytes
    c = { names, keys, zeros: def.map((fd) => zeroValue(fd.kind)) };
    compiled.set(def, c);
  }
  return c;
}

function findField(c: Compiled, buf: Uint8Array, at: number, len: number): number {
  for (let i = 0; i < c.names.length; i++) {
    const name = c.names[i]!;
    if (name.length !== len) continue;
    let j = 0;
    while (j < len && name[j] === buf[at + j]) j++;
    if (j === len) return i;
  }
  return -1;
}

/**
 * Reads one msgpack map into an object shaped by `def`. Unknown keys are skipped, missing keys take Go's
 * zero value (omitempty ones stay undefined), duplicate keys: the last one wins (as in Go).
 */
export function readStruct<T>(r: MsgpackReader, def: StructDef): T {
  const c = compile(def);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < def.length; i++) if (c.zeros[i] !== undefined) out[def[i]!.name] = c.zeros[i];
  const n = r.mapHeader();
  for (let i = 0; i < n; i++) {
    const key = r.keyBytes();
    const fi = findField(c, r.buf, key.at, key.len);
    if (fi < 0) {
      r.skip(1);
      continue;
    }
    const fd = def[fi]!;
    switch (fd.kind) {
      case "str":
        out[fd.name] = r.str();
        break;
      case "strOmit": {
        const s = r.str();
        if (s !== "") out[fd.name] = s;
        else if (fd.name in out) delete out[fd.name]; // a later empty duplicate
        break;
      }
      case "bytes":
        out[fd.name] = r.bytesOrNil() ?? EMPTY;
        break;
      case "bytesNil": {
        // go-msgpack decodes a zero-length raw into a nil slice (and re-encodes it as c0).
        const b = r.bytesOrNil();
        out[fd.name] = b !== null && b.length === 0 ? null : b;
        break;
      }
      case "bytesOmit": {
        const b = r.bytesOrNil();
        if (b !== null) out[fd.name] = b;
        else if (fd.name in out) delete out[fd.name];
        break;
      }
      case "u16":
        out[fd.name] = r.uint(16);
        break;
      case "u16Omit": {
        const v = r.uint(16);
        if (v !== 0) out[fd.name] = v;
        else if (fd.name in out) delete out[fd.name];
        break;
      }
      case "u32":
        out[fd.name] = r.uint(32);
        break;
      case "int":
        out[fd.name] = r.int();
        break;
      case "state": {
        const at = r.offset;
        const v = r.int();
        if (v < 0 || v > 3) throw new MemberlistDecodeError(MemberlistErrorCode.badValue, `node state ${v} is not 0..3`, { offset: at });
        out[fd.name] = v;
        break;
      }
      case "bool":
        out[fd.name] = r.bool();
        break;
    }
  }
  return out as T;
}
