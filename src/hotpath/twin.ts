// The pure-TypeScript hot path: same interface and window semantics as the Wasm facade (wasm-facade.ts),
// with the windows held in ordinary typed arrays. Used where no Wasm module is at hand, and as the
// reference the Wasm build is property-tested against.
import { crc32 } from "./crc32.ts";
import { HotpathFrameError } from "./errors.ts";
import {
  checkRelay, finishCompound, finishScan, PEER_ID_LENGTH, relaySwapIdTs, relayTypeTs, scanCkitTs, scanCompoundTs,
} from "./frames.ts";
import { sha256, sha256Into } from "./sha256.ts";
import { structHash } from "./structhash.ts";
import type { FrameScan, Hotpath, HotpathOptions, RelayFrames, ScanOptions, StructField } from "./types.ts";
import { checkBurst, checkBurstIds, checkPairs, checkRange, DEFAULT_INPUT_BYTES, DEFAULT_MAX_PAIRS, HOTPATH_ABI_BUILD_ID, maxFrameOf, normPairs } from "./window.ts";
import { Xxh64StreamTs, xxh64, xxh64Core, xxh64Result, xxh64SeedHalves } from "./xxh64.ts";

/** Results of tsRelayFrames.swapPeerIdBurst (grown on demand; a view of it is returned). */
let burstResults = new Int32Array(256);

/**
 * The relay routines of the TS twin on their own (no windows): what a relay core uses when it is not
 * given its platform's "relay-frames" hot path.
 */
export const tsRelayFrames: RelayFrames = {
  relayType: (msg) => checkRelay(relayTypeTs(msg, 0, msg.length), msg.length),
  swapPeerId(msg, senderId) {
    if (senderId.length !== PEER_ID_LENGTH) {
      throw new HotpathFrameError("relay_id_length", `sender ID must be ${PEER_ID_LENGTH} bytes`, 0);
    }
    checkRelay(relaySwapIdTs(msg, 0, msg.length, senderId, 0), msg.length);
  },
  swapPeerIdBurst(msgs, ids, count) {
    checkBurst(count, Number.MAX_SAFE_INTEGER);
    checkBurstIds(ids, count);
    if (count > burstResults.length) burstResults = new Int32Array(Math.max(count, 2 * burstResults.length));
    swapBurst(msgs, ids, count, burstResults);
    return burstResults.subarray(0, count);
  },
};

function swapBurst(msgs: readonly Uint8Array[], ids: readonly Uint8Array[], count: number, out: Int32Array): void {
  for (let i = 0; i < count; i++) {
    const m = msgs[i]!;
    out[i] = relaySwapIdTs(m, 0, m.length, ids[i]!, 0);
  }
}

export function createTsHotpath(options: HotpathOptions = {}): Hotpath {
  const maxPairs = normPairs(options.maxPairs ?? DEFAULT_MAX_PAIRS);
  let input = new Uint8Array(Math.max(64, options.inputBytes ?? DEFAULT_INPUT_BYTES));
  const pairs = new Uint32Array(2 * maxPairs);
  const results = new ArrayBuffer(32 * maxPairs);
  const res32 = new Uint32Array(results);
  const resI32 = new Int32Array(results);
  const res64 = new BigUint64Array(results);
  const res8 = new Uint8Array(results);
  const st = new Uint32Array(4);

  const grow = (min: number): Uint8Array => {
    if (min > input.length) {
      const next = new Uint8Array(Math.max(min, input.length * 2));
      next.set(input);
      input = next;
    }
    return input;
  };

  const scanCkitAt = (buf: Uint8Array, start: number, end: number, o?: ScanOptions): FrameScan =>
    finishScan(scanCkitTs(buf, start, end, pairs, maxPairs, maxFrameOf(o), st), st);

  return {
    kind: "ts",
    buildId: HOTPATH_ABI_BUILD_ID,
    maxPairs,
    input: (minBytes = 0) => grow(minBytes),
    pairs: () => pairs,
    // Copy-in scans copy into the input window like the Wasm facade, so *Frames can hash what was scanned.
    scanCkit(data, o) {
      grow(data.length).set(data);
      return scanCkitAt(input, 0, data.length, o);
    },
    scanCkitWindow(start, end, o) {
      checkRange(start, end, input.length);
      return scanCkitAt(input, start, end, o);
    },
    scanCompound(data) {
      grow(data.length).set(data);
      return finishCompound(scanCompoundTs(input, 0, data.length, pairs, maxPairs, st), st);
    },
    scanCompoundWindow(start, end) {
      checkRange(start, end, input.length);
      return finishCompound(scanCompoundTs(input, start, end, pairs, maxPairs, st), st);
    },
    relayType: tsRelayFrames.relayType,
    swapPeerId: tsRelayFrames.swapPeerId,
    swapPeerIdWindow(offset, length, idOffset) {
      checkRange(offset, offset + length, input.length);
      checkRange(idOffset, idOffset + PEER_ID_LENGTH, input.length);
      checkRelay(relaySwapIdTs(input.subarray(offset, offset + length), 0, length, input, idOffset), length);
    },
    swapPeerIdBurst(msgs, ids, count) {
      checkBurst(count, maxPairs);
      checkBurstIds(ids, count);
      swapBurst(msgs, ids, count, resI32);
      return resI32.subarray(0, count);
    },
    crc32: (data, seed = 0) => crc32(data, seed),
    crc32Window(offset, length, seed = 0) {
      checkRange(offset, offset + length, input.length);
      return crc32(input.subarray(offset, offset + length), seed);
    },
    crc32Frames(count, seed = 0) {
      checkPairs(pairs, count, maxPairs, input.length);
      for (let i = 0; i < count; i++) res32[i] = crc32(input.subarray(pairs[2 * i]!, pairs[2 * i]! + pairs[2 * i + 1]!), seed);
      return res32.subarray(0, count);
    },
    xxh64: (data, seed) => xxh64(data, seed),
    xxh64Window(offset, length, seed) {
      checkRange(offset, offset + length, input.length);
      return xxh64(input.subarray(offset, offset + length), seed);
    },
    xxh64Frames(count, seed) {
      checkPairs(pairs, count, maxPairs, input.length);
      const [sH, sL] = xxh64SeedHalves(seed);
      for (let i = 0; i < count; i++) {
        xxh64Core(input, pairs[2 * i]!, pairs[2 * i + 1]!, sH, sL);
        res64[i] = xxh64Result();
      }
      return res64.subarray(0, count);
    },
    xxh64Stream: (seed) => new Xxh64StreamTs(seed),
    sha256: (data) => sha256(data),
    sha256Window(offset, length) {
      checkRange(offset, offset + length, input.length);
      return sha256(input.subarray(offset, offset + length));
    },
    sha256Frames(count) {
      checkPairs(pairs, count, maxPairs, input.length);
      for (let i = 0; i < count; i++) sha256Into(input.subarray(pairs[2 * i]!, pairs[2 * i]! + pairs[2 * i + 1]!), res8, 32 * i);
      return res8.subarray(0, 32 * count);
    },
    structHash: (fields: readonly StructField[]) => structHash(fields),
  };
}
