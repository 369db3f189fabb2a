// Gravity gossip message model (agentuity/go-common gravity/gossip): wire constants, schema table and V,
// Go-compatible encode/decode. The receiver merge rules (spec §1.4) live in src/state/merge.ts.
export * from "./wire.ts";
export * from "./schema.ts";
export type * from "./types.ts";
export * from "./errors.ts";
export { decode, decodeBatch, decodeEach, type DecodeOptions } from "./decode.ts";
export { encode, encodeToString, encodePayload, forwardEnvelope, goQuote } from "./encode.ts";
export { compareGoStrings } from "./json-scan.ts";
