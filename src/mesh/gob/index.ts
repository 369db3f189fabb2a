// Go encoding/gob as minimega's meshage speaks it (docs/protocols/meshage.md §2.1): stream decoder with
// ids read from the stream and strict limits, stream encoder that reproduces Go's bytes, a node-wide
// type registry, and the value/type model that lets unknown bodies be forwarded intact.
export { GobError, type GobErrorReason } from "./errors.ts";
export { DEFAULT_GOB_LIMITS, gobLimits, type GobLimits } from "./limits.ts";
export {
  BOOL,
  BYTES,
  COMPLEX,
  FLOAT,
  INT,
  INTERFACE,
  STRING,
  STRING_SLICE,
  UINT,
  basicType,
  displayName,
  isBasic,
  mapOf,
  sliceOf,
  structOf,
  type GobArrayType,
  type GobBasicType,
  type GobCompositeType,
  type GobExternalType,
  type GobField,
  type GobMapType,
  type GobSliceType,
  type GobStructType,
  type GobType,
} from "./types.ts";
export { GobComplex, GobInterface, GobMap, GobNaN, GobStruct, GoBytesString, type GobFloat, type GobValue } from "./values.ts";
export { Cursor } from "./cursor.ts";
export { EncBuf } from "./buffer.ts";
export { DecodeContext, decodeInterface, decodeStruct, decodeTop, decodeValue } from "./decode-value.ts";
export { GobStreamDecoder, type GobItem, type ValueReader } from "./decoder.ts";
export { GobStreamEncoder } from "./encoder.ts";
export { TypeRegistry, typeSignature } from "./registry.ts";
export { toJsonText, toPlain, type Plain } from "./plain.ts";
export type { WireDef } from "./wiretype.ts";
export * as gobWire from "./wire.ts";
