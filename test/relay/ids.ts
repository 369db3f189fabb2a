// Test helpers for 36-byte relay peer IDs ("sha-" + 32 hash bytes): a fixed-fill ID and a fast-check
// arbitrary, shared by the relay and fabric codec tests.
import fc from "fast-check";

const SHA_PREFIX = [0x73, 0x68, 0x61, 0x2d]; // "sha-"

/** A peer ID whose 32 hash bytes are all `fill`. */
export const id = (fill: number): Uint8Array => {
  const b = new Uint8Array(36).fill(fill);
  b.set(SHA_PREFIX);
  return b;
};

/** Any well-formed peer ID. */
export const arbId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((h) => {
  const b = new Uint8Array(36);
  b.set(SHA_PREFIX);
  b.set(h, 4);
  return b;
});
