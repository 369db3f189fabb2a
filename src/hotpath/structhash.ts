// Gravity schema hash V (docs/protocols/gravity.md §3.1): SHA-256 over `<FieldName>:<GoTypeString>;` for every
// exported field except V, in Go declaration order, no other separator; V = byte 0 of the digest, with
// 0 mapped to 1 (0 means "legacy, pre-versioning"). Pure TS; the Wasm facade uses structHashV.
import { sha256 } from "./sha256.ts";
import type { StructField } from "./types.ts";

/** The exact text that is hashed for a field list. */
export function structHashInput(fields: readonly StructField[]): string {
  let s = "";
  for (const [name, goType] of fields) s += `${name}:${goType};`;
  return s;
}

/** V from the first digest byte (0 -> 1). */
export function vFromDigestByte(b: number): number {
  return b === 0 ? 1 : b;
}

export function structHash(fields: readonly StructField[]): number {
  return vFromDigestByte(sha256(new TextEncoder().encode(structHashInput(fields)))[0]!);
}
