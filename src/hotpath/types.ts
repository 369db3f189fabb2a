// The hot-path interface shared by the Wasm-backed facade and the pure-TS twin (src/hotpath/index.ts).
//
// Windows: each instance owns an input window (bytes to scan or hash), a pairs window ((offset, length)
// u32 pairs, written by the scanners or by the caller) and a results window (outputs of the batch
// hashes). The Wasm facade keeps them in linear memory, so bytes written into `input()` are resident:
// one call then scans or hashes a whole batch without copying. Views returned by input(), pairs() and
// the *Frames results stay valid until the next call that may grow memory: input(minBytes) with a larger
// size, or a copy-in call (scanCkit(data), crc32(data), ...) with data larger than what was seen before.
// Copy-in scans write `data` at the start of the input window; every scan rewrites the pairs window and
// every *Frames call the results window, so copy out what must outlive the next call.

/** Result of one batch scan. Pair i is pairs()[2i] (payload offset) and pairs()[2i+1] (length). */
export interface FrameScan {
  /**
   * "ok": every frame up to the end was consumed; "more" (ckit): the frame starting at `consumed` is cut
   * off, `need` bytes from there are needed; "full" (ckit): the pairs window is full, scan again from
   * `consumed`. Compound scans are "ok" or throw (compound_truncated keeps the valid parts).
   */
  status: "ok" | "more" | "full";
  /** Pairs written. */
  count: number;
  /** Offset (relative to the window / given data) where the next scan starts. */
  consumed: number;
  /** "more" (ckit): bytes the cut frame needs from `consumed`, header included (header size alone when
   * the header itself is cut). 0 otherwise. */
  need: number;
}

export interface Xxh64Stream {
  update(data: Uint8Array): Xxh64Stream;
  digest(): bigint;
}

/** One Go struct field for the Gravity schema hash: [FieldName, GoTypeString]. */
export type StructField = readonly [name: string, goType: string];

export interface ScanOptions {
  /** Largest accepted ckit payload length; longer declared lengths are "frame_too_large". Default 2^32-1. */
  maxFrame?: number;
}

export interface Hotpath {
  readonly kind: "wasm" | "ts";
  /** Build id of build/hotpath.wasm (the twin reports the id of the ABI it mirrors). */
  readonly buildId: number;
  /** Capacity of the pairs window, in pairs (at least 256, so a compound always fits). */
  readonly maxPairs: number;

  /** The input window, grown to at least minBytes (contents kept). Write frames here, then scan*Window. */
  input(minBytes?: number): Uint8Array;
  /** The pairs window: 2 * maxPairs u32 (offset, length), relative to the input window. */
  pairs(): Uint32Array;

  /** Scans ckit frames in `data` (copied once into the input window; pair offsets are relative to data). */
  scanCkit(data: Uint8Array, options?: ScanOptions): FrameScan;
  /** Scans ckit frames resident in input()[start, end). */
  scanCkitWindow(start: number, end: number, options?: ScanOptions): FrameScan;
  /** Splits a memberlist compound message (type byte 0x07 included) in `data`. */
  scanCompound(data: Uint8Array): FrameScan;
  /** Splits a compound message resident in input()[start, end); offsets relative to the window. */
  scanCompoundWindow(start: number, end: number): FrameScan;

  /** Checks the relay header (version 1) and returns the type byte. */
  relayType(msg: Uint8Array): number;
  /** Transport message (type 3): overwrites bytes [2, 38) of msg in place with the 36-byte sender ID. */
  swapPeerId(msg: Uint8Array, senderId: Uint8Array): void;
  /** Same, on a message at input()[offset, offset+length) with the sender ID at input()[idOffset, +36). */
  swapPeerIdWindow(offset: number, length: number, idOffset: number): void;
  /**
   * A burst of relay messages in one call (the relay's data path: the frames that arrived together):
   * for each i < count, checks msgs[i] as relaySwap does and, for a valid transport message, overwrites
   * bytes [2, 38) of msgs[i] in place with senderIds[i] (36 bytes each; another length throws
   * relay_id_length before anything is written). Never throws for a bad message: result i is the type (3) or a negative frame code (RELAY_SHORT, RELAY_VERSION,
   * RELAY_NOT_TRANSPORT), and nothing of that message was written. The Wasm facade uses the input
   * window as scratch. Returns a view of `count` results, valid until the next call.
   */
  swapPeerIdBurst(msgs: readonly Uint8Array[], senderIds: readonly Uint8Array[], count: number): Int32Array;

  /** CRC-32 IEEE, continuing from seed (0 to start). Unsigned. */
  crc32(data: Uint8Array, seed?: number): number;
  crc32Window(offset: number, length: number, seed?: number): number;
  /** CRC of each of the first `count` pairs; returns a view of `count` results. */
  crc32Frames(count: number, seed?: number): Uint32Array;

  /** xxHash64 (reference XXH64) with a 64-bit seed (default 0). */
  xxh64(data: Uint8Array, seed?: bigint): bigint;
  xxh64Window(offset: number, length: number, seed?: bigint): bigint;
  xxh64Frames(count: number, seed?: bigint): BigUint64Array;
  /** Incremental xxHash64: digest() equals xxh64(all updates so far, seed) and may be called repeatedly. */
  xxh64Stream(seed?: bigint): Xxh64Stream;

  /** SHA-256, synchronous. Returns a new 32-byte array. */
  sha256(data: Uint8Array): Uint8Array;
  sha256Window(offset: number, length: number): Uint8Array;
  /** Digests of the first `count` pairs, 32 bytes each, as one view. */
  sha256Frames(count: number): Uint8Array;

  /** Gravity schema hash V (docs/protocols/gravity.md §3.1): byte 0 of SHA-256 over `Name:GoType;`..., 0 -> 1. */
  structHash(fields: readonly StructField[]): number;
}

/** The relay data path's routines: header check and in-place peer-ID swap, one message or a burst (src/relay/core-data.ts). */
export type RelayFrames = Pick<Hotpath, "relayType" | "swapPeerId" | "swapPeerIdBurst">;

export interface HotpathOptions {
  /** Initial input window size in bytes (default 1 MiB). */
  inputBytes?: number;
  /** Pairs window capacity (default 16384, minimum 256). */
  maxPairs?: number;
}
