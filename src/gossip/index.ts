// Gravity gossip message model (agentuity/go-common gravity/gossip): wire constants, schema table and V,
// Go-compatible encode/decode. The receiver merge rules (docs/protocols/gravity.md §4) live in src/state/merge.ts.
// Runtimes compute V with their platform's hot path: createGossipSchema(platform), passed to decode and
// encode as `schema` (pure callers get referenceSchema(), the same numbers from the TS twin).
export * from "./wire.ts";
export * from "./schema.ts";
export type * from "./types.ts";
export * from "./errors.ts";
export { decode, decodeBatch, decodeEach, type DecodeOptions } from "./decode.ts";
export { encode, encodeToString, encodePayload, forwardEnvelope, goQuote } from "./encode.ts";
export { compareGoStrings } from "./json-scan.ts";
export type { StructField } from "../hotpath/index.ts";
