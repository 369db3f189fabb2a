// The gob type model: what a type IS, independent of the id any one stream gave it. Decoders resolve a
// stream's definitions into these objects (a graph: recursive types point back at themselves); encoders
// give them ids from their own registry. That separation is what lets a body of an unknown type arrive
// on one stream and leave on another with its definitions re-emitted under that stream's ids.
import {
  ID_BOOL,
  ID_BYTES,
  ID_COMPLEX,
  ID_FLOAT,
  ID_INT,
  ID_INTERFACE,
  ID_STRING,
  ID_UINT,
} from "./wire.ts";

export type GobBasicKind = "bool" | "int" | "uint" | "float" | "bytes" | "string" | "complex" | "interface";

/** A predefined type: fixed id in every process, never defined on the wire. */
export interface GobBasicType {
  readonly kind: GobBasicKind;
  readonly id: number;
}
export interface GobSliceType {
  readonly kind: "slice";
  name: string;
  elem: GobType;
}
export interface GobArrayType {
  readonly kind: "array";
  name: string;
  elem: GobType;
  len: number;
}
export interface GobMapType {
  readonly kind: "map";
  name: string;
  key: GobType;
  elem: GobType;
}
export interface GobField {
  name: string;
  type: GobType;
}
export interface GobStructType {
  readonly kind: "struct";
  name: string;
  fields: GobField[];
}
/** A type with its own marshaller (GobEncoder, BinaryMarshaler, TextMarshaler): its value is opaque bytes. */
export interface GobExternalType {
  readonly kind: "gob-encoder" | "binary-marshaler" | "text-marshaler";
  name: string;
}

export type GobCompositeType = GobSliceType | GobArrayType | GobMapType | GobStructType | GobExternalType;
export type GobType = GobBasicType | GobCompositeType;

export const BOOL: GobBasicType = { kind: "bool", id: ID_BOOL };
export const INT: GobBasicType = { kind: "int", id: ID_INT };
export const UINT: GobBasicType = { kind: "uint", id: ID_UINT };
export const FLOAT: GobBasicType = { kind: "float", id: ID_FLOAT };
export const BYTES: GobBasicType = { kind: "bytes", id: ID_BYTES };
export const STRING: GobBasicType = { kind: "string", id: ID_STRING };
export const COMPLEX: GobBasicType = { kind: "complex", id: ID_COMPLEX };
export const INTERFACE: GobBasicType = { kind: "interface", id: ID_INTERFACE };

const BASIC_BY_ID: readonly (GobBasicType | undefined)[] = [undefined, BOOL, INT, UINT, FLOAT, BYTES, STRING, COMPLEX, INTERFACE];

/** The predefined type with this id, if any. */
export function basicType(id: number): GobBasicType | undefined {
  return BASIC_BY_ID[id];
}

export function isBasic(t: GobType): t is GobBasicType {
  return "id" in t;
}

/** `[]string`: the body of every MSA and the type of Recipients / CurrentRoute. */
export const STRING_SLICE: GobSliceType = { kind: "slice", name: "[]string", elem: STRING };

/** Builders for callers that construct bodies of their own types. */
export const sliceOf = (elem: GobType, name = `[]${displayName(elem)}`): GobSliceType => ({ kind: "slice", name, elem });
export const mapOf = (key: GobType, elem: GobType, name = `map[${displayName(key)}]${displayName(elem)}`): GobMapType => ({ kind: "map", name, key, elem });
export const structOf = (name: string, fields: GobField[]): GobStructType => ({ kind: "struct", name, fields });

/** Go's spelling of a type, as CommonType.Name carries it for unnamed composites. */
export function displayName(t: GobType): string {
  if (isBasic(t)) {
    return t.kind === "bytes" ? "[]uint8" : t.kind === "float" ? "float64" : t.kind === "complex" ? "complex128" : t.kind === "uint" ? "uint" : t.kind === "interface" ? "interface {}" : t.kind;
  }
  return t.name;
}
