// memberlist's wire structs as data (docs/protocols/memberlist.md §3.3): Go field names, Go types, omitempty,
// listed in wire order (field names sorted byte-wise, as both go-msgpack versions emit them). One generic
// encoder and decoder walk these tables, so byte order and leniency live in one place (pushNodeState and
// alive add hand-written field accessors, checked against the tables, for speed).
import { MemberlistDecodeError, MemberlistEncodeError, MemberlistErrorCode } from "../errors.ts";
import type { MsgpackReader } from "./msgpack-reader.ts";
import type { MsgpackFlavor, MsgpackWriter } from "./msgpack.ts";
import { EMPTY } from "../../util/index.ts";

/**
 * Field kinds:
 * - str: Go string ("" when absent/nil); strOmit: omitempty string (undefined when absent)
 * - bytes: Go []byte never nil in our model (empty when absent/nil; encoded a0 when empty)
 * - bytesNil: Go []byte that may be nil (null <-> c0; a zero-length raw decodes to null, as in Go)
 * - bytesOmit: omitempty []byte (undefined when absent; omitted when empty)
 * - u16 / u32: unsigned; u16Omit: omitempty uint16
 * - int: Go int (flavour-dependent encoding); state: NodeStateType, any Go int (0..3 known; others kept
 *   for the merge to skip, as Go does)
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

// Field kinds as small integers for the per-field switch (the string kinds above are the readable form).
const K_STR = 0, K_STR_OMIT = 1, K_BYTES = 2, K_BYTES_NIL = 3, K_BYTES_OMIT = 4, K_U16 = 5, K_U16_OMIT = 6, K_U32 = 7, K_INT = 8, K_STATE = 9, K_BOOL = 10;
const KIND_CODE: Record<FieldKind, number> = {
  str: K_STR,
  strOmit: K_STR_OMIT,
  bytes: K_BYTES,
  bytesNil: K_BYTES_NIL,
  bytesOmit: K_BYTES_OMIT,
  u16: K_U16,
  u16Omit: K_U16_OMIT,
  u32: K_U32,
  int: K_INT,
  state: K_STATE,
  bool: K_BOOL,
};

/**
 * Per-struct tables, built once per StructDef: kind codes, field names as strings, as bytes (matched
 * without building strings) and as encoded fixstr keys, byte-length caps for Vsn/Meta, and Go's zero
 * values. Coding goes through a values array: decoding fills it and builds the object once; encoding
 * reads the object into it first.
 */
interface Compiled {
  readonly n: number;
  readonly kinds: Uint8Array;
  readonly fields: readonly string[];
  readonly names: readonly Uint8Array[];
  readonly keys: readonly Uint8Array[];
  /** 0: no check; VSN_LENGTH: must be exactly that long (Vsn); META_MAX: at most that long (Meta). */
  readonly sizeRule: Uint16Array;
  readonly hasOmit: boolean;
  /** Go zero value per field (undefined for omitempty fields: absent). */
  readonly zeros: readonly unknown[];
  /** Field values of the struct being read or written (both are synchronous and never nested). */
  readonly scratch: unknown[];
  readonly shape: Shape | undefined;
}

const omitKind = (k: number): boolean => k === K_STR_OMIT || k === K_BYTES_OMIT || k === K_U16_OMIT;

function zeroValue(kind: number): unknown {
  switch (kind) {
    case K_STR:
      return "";
    case K_BYTES:
      return EMPTY; // zero-length: nothing a caller could mutate
    case K_BYTES_NIL:
      return null;
    case K_U16:
    case K_U32:
    case K_INT:
    case K_STATE:
      return 0;
    case K_BOOL:
      return false;
    default:
      return undefined; // omitempty kinds stay absent
  }
}

/**
 * Hand-written accessors for the structs coded most (every push/pull carries one pushNodeState per member;
 * alive is most of the gossip): `build` makes the decoded object as one literal (one shape per struct, so
 * the SWIM core's reads stay monomorphic) and `pick` reads an object's fields in wire order (monomorphic
 * loads instead of a keyed load per field). Only for structs without omitempty fields; both are checked
 * against SCHEMAS when compiled, so they cannot drift. Other structs take the generic path.
 */
interface Shape {
  build(v: readonly unknown[]): object;
  pick(o: Record<string, unknown>, v: unknown[]): void;
}
const SHAPES = new Map<StructDef, Shape>([
  [
    SCHEMAS.pushNodeState,
    {
      build: (v) => ({ Addr: v[0], Incarnation: v[1], Meta: v[2], Name: v[3], Port: v[4], State: v[5], Vsn: v[6] }),
      pick: (o, v) => {
        v[0] = o.Addr;
        v[1] = o.Incarnation;
        v[2] = o.Meta;
        v[3] = o.Name;
        v[4] = o.Port;
        v[5] = o.State;
        v[6] = o.Vsn;
      },
    },
  ],
  [
    SCHEMAS.alive,
    {
      build: (v) => ({ Addr: v[0], Incarnation: v[1], Meta: v[2], Node: v[3], Port: v[4], Vsn: v[5] }),
      pick: (o, v) => {
        v[0] = o.Addr;
        v[1] = o.Incarnation;
        v[2] = o.Meta;
        v[3] = o.Node;
        v[4] = o.Port;
        v[5] = o.Vsn;
      },
    },
  ],
]);

function checkShape(shape: Shape, fields: readonly string[], kinds: Uint8Array): boolean {
  if (kinds.some(omitKind) || Object.keys(shape.build(fields)).join() !== fields.join()) return false;
  const picked: unknown[] = [];
  shape.pick(Object.fromEntries(fields.map((f) => [f, f])), picked);
  return picked.join() === fields.join();
}

const compiled = new WeakMap<StructDef, Compiled>();
function compile(def: StructDef): Compiled {
  let c = compiled.get(def);
  if (c === undefined) {
    const enc = new TextEncoder();
    const kinds = Uint8Array.from(def, (fd) => KIND_CODE[fd.kind]);
    const names = def.map((fd) => enc.encode(fd.name));
    const fields = def.map((fd) => fd.name);
    const shape = SHAPES.get(def);
    if (shape !== undefined && !checkShape(shape, fields, kinds)) throw new Error(`schema shape out of step with its StructDef (${fields.join()})`);
    c = {
      n: def.length,
      kinds,
      fields,
      names,
      keys: names.map((b) => Uint8Array.of(0xa0 | b.length, ...b)), // every field name is < 32 bytes
      sizeRule: Uint16Array.from(def, (fd) =>
        fd.name === "Vsn" && fd.kind === "bytes" ? VSN_LENGTH : fd.name === "Meta" && fd.kind === "bytesNil" ? META_MAX : 0,
      ),
      hasOmit: kinds.some(omitKind),
      zeros: Array.from(kinds, zeroValue),
      scratch: new Array<unknown>(def.length),
      shape,
    };
    compiled.set(def, c);
  }
  return c;
}

for (const def of Object.values(SCHEMAS)) compile(def);

function isOmitted(kind: number, v: unknown): boolean {
  switch (kind) {
    case K_STR_OMIT:
      return v === undefined || v === "";
    case K_BYTES_OMIT:
      return v === undefined || (v as Uint8Array).length === 0;
    case K_U16_OMIT:
      return v === undefined || v === 0;
    default:
      return false;
  }
}

/** Writes `obj` as a msgpack map in wire order, leaving out empty omitempty fields. */
export function writeStruct(w: MsgpackWriter, def: StructDef, obj: object, flavor: MsgpackFlavor): void {
  const o = obj as Record<string, unknown>;
  const c = compile(def);
  const { kinds, fields } = c;
  const vals = c.scratch;
  if (c.shape !== undefined) c.shape.pick(o, vals);
  else for (let i = 0; i < c.n; i++) vals[i] = o[fields[i]!];
  let count = c.n;
  if (c.hasOmit) for (let i = 0; i < c.n; i++) if (isOmitted(kinds[i]!, vals[i])) count--;
  w.mapHeader(count);
  for (let i = 0; i < c.n; i++) {
    const kind = kinds[i]!;
    const v = vals[i];
    if (isOmitted(kind, v)) continue;
    w.raw(c.keys[i]!);
    switch (kind) {
      case K_STR:
      case K_STR_OMIT:
        w.str((v as string | undefined) ?? "");
        break;
      case K_BYTES:
      case K_BYTES_OMIT: {
        const b = (v as Uint8Array | undefined) ?? EMPTY;
        if (c.sizeRule[i] === VSN_LENGTH && b.length !== VSN_LENGTH) throw new MemberlistEncodeError(`Vsn must be ${VSN_LENGTH} bytes, got ${b.length}`);
        w.rawBytes(b);
        break;
      }
      case K_BYTES_NIL:
        if (v === null || v === undefined) w.nil();
        else {
          const b = v as Uint8Array;
          if (c.sizeRule[i] === META_MAX && b.length > META_MAX) throw new MemberlistEncodeError(`Meta of ${b.length} bytes exceeds ${META_MAX}`);
          w.rawBytes(b);
        }
        break;
      case K_U16:
      case K_U16_OMIT:
      case K_U32: {
        const n = (v as number | undefined) ?? 0;
        const max = kind === K_U32 ? 0xffffffff : 0xffff;
        if (!Number.isInteger(n) || n < 0 || n > max) throw new MemberlistEncodeError(`${fields[i]} = ${n} does not fit its Go type`);
        w.uint(n);
        break;
      }
      case K_INT:
      case K_STATE: {
        const n = (v as number | undefined) ?? 0;
        if (!Number.isSafeInteger(n)) throw new MemberlistEncodeError(`${fields[i]} = ${n} is not an integer`);
        w.int(n, flavor);
        break;
      }
      case K_BOOL:
        w.bool(v === true);
        break;
    }
  }
}

/** Index of the field whose name is buf[at, at+len), trying `hint` first (keys usually come in wire order). */
function findField(c: Compiled, buf: Uint8Array, at: number, len: number, hint: number): number {
  const n = c.n;
  for (let k = 0; k < n; k++) {
    let i = hint + k;
    if (i >= n) i -= n;
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
  const v = c.scratch;
  for (let i = 0; i < c.n; i++) v[i] = c.zeros[i];
  const n = r.mapHeader();
  let hint = 0;
  for (let i = 0; i < n; i++) {
    const len = r.keyLength();
    const fi = findField(c, r.buf, r.pos - len, len, hint);
    if (fi < 0) {
      r.skip(1);
      continue;
    }
    hint = fi + 1;
    switch (c.kinds[fi]) {
      case K_STR:
        v[fi] = r.str();
        break;
      case K_STR_OMIT: {
        const s = r.str();
        v[fi] = s !== "" ? s : undefined; // a later empty duplicate removes the field again
        break;
      }
      case K_BYTES:
        v[fi] = r.bytesOrNil() ?? EMPTY;
        break;
      case K_BYTES_NIL: {
        // go-msgpack decodes a zero-length raw into a nil slice (and re-encodes it as c0).
        const b = r.bytesOrNil();
        v[fi] = b !== null && b.length === 0 ? null : b;
        break;
      }
      case K_BYTES_OMIT:
        v[fi] = r.bytesOrNil() ?? undefined;
        break;
      case K_U16:
        v[fi] = r.uint(16);
        break;
      case K_U16_OMIT: {
        const u = r.uint(16);
        v[fi] = u !== 0 ? u : undefined;
        break;
      }
      case K_U32:
        v[fi] = r.uint(32);
        break;
      case K_INT:
        v[fi] = r.int();
        break;
      case K_STATE: {
        // Go decodes any int into NodeStateType and mergeState skips states it does not know, so an
        // unknown state must not fail the push/pull: keep the number (the merge ignores it). A 64-bit
        // value beyond 2^53 is still just "unknown": read it lossily rather than reject it.
        const b = r.peek();
        if (b === 0xcf || b === 0xd3) {
          const raw = r.take(9, "int64");
          const dv = new DataView(raw.buffer, raw.byteOffset + 1, 8);
          v[fi] = Number(b === 0xcf ? dv.getBigUint64(0) : dv.getBigInt64(0));
        } else v[fi] = r.int();
        break;
      }
      case K_BOOL:
        v[fi] = r.bool();
        break;
    }
  }
  if (c.shape !== undefined) return c.shape.build(v) as T;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < c.n; i++) if (v[i] !== undefined) out[c.fields[i]!] = v[i];
  return out as T;
}
