// The Wasm-backed hot path: one instance of build/hotpath.wasm (its own linear memory) behind the
// Hotpath interface. The input, pairs and results windows live in linear memory (allocated once with
// hpAlloc), so data the caller writes into input() is resident and one call handles a whole batch.
// Views over memory.buffer are cached (creating one costs ~20 ns, more than hashing 64 bytes). Memory
// grows only through hpAlloc, which this instance calls only from grow(); grow() rebuilds the views, so
// no call checks memory.buffer on the hot path. The instance is private to this facade.
import { HotpathFrameError } from "./errors.ts";
import { checkRelay, finishCompound, finishScan, PEER_ID_LENGTH } from "./frames.ts";
import type { FrameScan, Hotpath, HotpathOptions, StructField } from "./types.ts";
import { instantiateHotpath } from "./wasm.ts";
import { BURST_RECORD_BYTES, checkBurst, checkBurstIds, checkRange, DEFAULT_INPUT_BYTES, DEFAULT_MAX_PAIRS, maxFrameOf, normPairs } from "./window.ts";
import { structHashInput } from "./structhash.ts";

/** Raw ABI of build/hotpath.wasm used here (documented in the headers of assembly/*.ts). */
interface HotpathAbi {
  memory: WebAssembly.Memory;
  buildId(): number;
  hpAlloc(size: number): number;
  hpStatus(): number;
  scanCkit(base: number, start: number, end: number, out: number, outCap: number, maxLen: number): number;
  scanCompound(base: number, start: number, end: number, out: number, outCap: number): number;
  relayType(ptr: number, len: number): number;
  relaySwapId(ptr: number, len: number, id: number): number;
  relaySwapBurst(base: number, count: number, out: number): number;
  crc32(ptr: number, len: number, seed: number): number;
  crc32Frames(base: number, baseLen: number, pairs: number, count: number, seed: number, out: number): number;
  xxh64(ptr: number, len: number, seed: bigint): bigint;
  xxh64Frames(base: number, baseLen: number, pairs: number, count: number, seed: bigint, out: number): number;
  xxh64StreamInit(state: number, seed: bigint): void;
  xxh64StreamUpdate(state: number, ptr: number, len: number): void;
  xxh64StreamDigest(state: number): bigint;
  sha256(ptr: number, len: number, out: number): void;
  sha256Frames(base: number, baseLen: number, pairs: number, count: number, out: number): number;
  structHashV(ptr: number, len: number): number;
}

const encoder = new TextEncoder();
/** Bytes of a relay message that take part in the peer-ID swap: version, type, the 36-byte ID slot. */
const HEAD = 38;
/** Size of the xxh64 streaming state (assembly/hash.ts). */
const XXH64_STATE_BYTES = 88;

export function createWasmHotpath(module: WebAssembly.Module, options: HotpathOptions = {}): Hotpath {
  const ex = instantiateHotpath(module) as unknown as HotpathAbi;
  const mem = ex.memory;
  const maxPairs = normPairs(options.maxPairs ?? DEFAULT_MAX_PAIRS);
  const alloc = (n: number): number => ex.hpAlloc(n) >>> 0;

  let inCap = Math.max(64, options.inputBytes ?? DEFAULT_INPUT_BYTES);
  let inPtr = alloc(inCap);
  const pairsPtr = alloc(8 * maxPairs);
  const resPtr = alloc(32 * maxPairs);
  const digestPtr = alloc(64); // 32-byte digest, then scratch for a relay header
  const streamPtr = alloc(XXH64_STATE_BYTES); // a stream's state is copied here for each call
  let scratchCap = 64 * 1024;
  let scratchPtr = alloc(scratchCap);
  const statusPtr = ex.hpStatus() >>> 0;

  let buf: ArrayBuffer = mem.buffer;
  let u8 = new Uint8Array(buf);
  let inView = u8.subarray(inPtr, inPtr + inCap);
  let pairsView = new Uint32Array(buf, pairsPtr, 2 * maxPairs);
  let st = new Uint32Array(buf, statusPtr, 4);
  const refresh = (): void => {
    if (mem.buffer === buf) return;
    buf = mem.buffer;
    u8 = new Uint8Array(buf);
    inView = u8.subarray(inPtr, inPtr + inCap);
    pairsView = new Uint32Array(buf, pairsPtr, 2 * maxPairs);
    st = new Uint32Array(buf, statusPtr, 4);
  };

  /** Grows the input window (bump allocator: the old block is abandoned; growth is geometric). */
  const growInput = (min: number): void => {
    if (min <= inCap) return;
    const cap = Math.max(min, inCap * 2);
    const p = alloc(cap);
    refresh();
    u8.copyWithin(p, inPtr, inPtr + inCap);
    inPtr = p;
    inCap = cap;
    inView = u8.subarray(inPtr, inPtr + inCap);
  };
  /** Copies data into the scratch block (grown as needed) and returns its pointer. */
  const copyIn = (data: Uint8Array): number => {
    if (data.length > scratchCap) {
      scratchCap = Math.max(data.length, scratchCap * 2);
      scratchPtr = alloc(scratchCap);
      refresh();
    }
    u8.set(data, scratchPtr);
    return scratchPtr;
  };
  const framesFailed = (done: number, count: number): void => {
    if (done === count) return;
    const off = pairsView[2 * done]!;
    throw new HotpathFrameError("frame_out_of_window", `pair ${done} (${off}, ${pairsView[2 * done + 1]}) is outside the input window`, off, done);
  };
  const checkCount = (count: number): void => {
    if (!(Number.isInteger(count) && count >= 0 && count <= maxPairs)) {
      throw new HotpathFrameError("frame_out_of_window", `pair count ${count} exceeds the pairs window (${maxPairs})`, 0);
    }
  };
  const scanCkitAt = (start: number, end: number, maxFrame: number): FrameScan => {
    const n = ex.scanCkit(inPtr, start, end, pairsPtr, maxPairs, maxFrame);
    return finishScan(n, st);
  };
  const scanCompoundAt = (start: number, end: number): FrameScan => {
    const n = ex.scanCompound(inPtr, start, end, pairsPtr, maxPairs);
    return finishCompound(n, st);
  };

  return {
    kind: "wasm",
    buildId: ex.buildId(),
    maxPairs,
    input(minBytes = 0) {
      growInput(minBytes);
      return inView;
    },
    pairs() {
      return pairsView;
    },
    scanCkit(data, o) {
      growInput(data.length);
      u8.set(data, inPtr);
      return scanCkitAt(0, data.length, maxFrameOf(o));
    },
    scanCkitWindow(start, end, o) {
      checkRange(start, end, inCap);
      return scanCkitAt(start, end, maxFrameOf(o));
    },
    scanCompound(data) {
      growInput(data.length);
      u8.set(data, inPtr);
      return scanCompoundAt(0, data.length);
    },
    scanCompoundWindow(start, end) {
      checkRange(start, end, inCap);
      return scanCompoundAt(start, end);
    },
    relayType(msg) {
      const head = msg.subarray(0, 2);
      u8.set(head, digestPtr);
      return checkRelay(ex.relayType(digestPtr, msg.length), msg.length);
    },
    swapPeerId(msg, senderId) {
      if (senderId.length !== PEER_ID_LENGTH) {
        throw new HotpathFrameError("relay_id_length", `sender ID must be ${PEER_ID_LENGTH} bytes`, 0);
      }
      // Only bytes [0, 38) take part: copy them and the ID in, swap, copy the slot back.
      const idPtr = scratchPtr;
      u8.set(senderId, idPtr);
      u8.set(msg.subarray(0, 38), digestPtr);
      checkRelay(ex.relaySwapId(digestPtr, msg.length, idPtr), msg.length);
      msg.set(u8.subarray(digestPtr + 2, digestPtr + 38), 2);
    },
    swapPeerIdWindow(offset, length, idOffset) {
      checkRange(offset, offset + length, inCap);
      checkRange(idOffset, idOffset + PEER_ID_LENGTH, inCap);
      checkRelay(ex.relaySwapId(inPtr + offset, length, inPtr + idOffset), length);
    },
    swapPeerIdBurst(msgs, ids, count) {
      checkBurst(count, maxPairs);
      checkBurstIds(ids, count);
      growInput(BURST_RECORD_BYTES * count);
      // One 80-byte record per message (assembly/frames.ts): length, sender ID, the first 38 bytes.
      let p = inPtr;
      for (let i = 0; i < count; i++, p += BURST_RECORD_BYTES) {
        const m = msgs[i]!;
        const n = m.length;
        u8[p] = n & 0xff;
        u8[p + 1] = (n >>> 8) & 0xff;
        u8[p + 2] = (n >>> 16) & 0xff;
        u8[p + 3] = n >>> 24;
        u8.set(ids[i]!, p + 4);
        u8.set(n > HEAD ? m.subarray(0, HEAD) : m, p + 40);
      }
      ex.relaySwapBurst(inPtr, count, resPtr);
      const res = new Int32Array(buf, resPtr, count);
      p = inPtr + 42;
      for (let i = 0; i < count; i++, p += BURST_RECORD_BYTES) {
        if (res[i] === 3) msgs[i]!.set(u8.subarray(p, p + PEER_ID_LENGTH), 2);
      }
      return res;
    },
    crc32(data, seed = 0) {
      return ex.crc32(copyIn(data), data.length, seed) >>> 0;
    },
    crc32Window(offset, length, seed = 0) {
      checkRange(offset, offset + length, inCap);
      return ex.crc32(inPtr + offset, length, seed) >>> 0;
    },
    crc32Frames(count, seed = 0) {
      checkCount(count);
      const done = ex.crc32Frames(inPtr, inCap, pairsPtr, count, seed, resPtr);
      framesFailed(done, count);
      return new Uint32Array(buf, resPtr, count);
    },
    xxh64(data, seed = 0n) {
      return BigInt.asUintN(64, ex.xxh64(copyIn(data), data.length, seed));
    },
    xxh64Window(offset, length, seed = 0n) {
      checkRange(offset, offset + length, inCap);
      return BigInt.asUintN(64, ex.xxh64(inPtr + offset, length, seed));
    },
    xxh64Frames(count, seed = 0n) {
      checkCount(count);
      const done = ex.xxh64Frames(inPtr, inCap, pairsPtr, count, seed, resPtr);
      framesFailed(done, count);
      return new BigUint64Array(buf, resPtr, count);
    },
    xxh64Stream(seed = 0n) {
      // The state lives in JS (so abandoned streams leak nothing in linear memory) and is copied in and
      // out around each call.
      const state = new Uint8Array(XXH64_STATE_BYTES);
      ex.xxh64StreamInit(streamPtr, seed);
      state.set(u8.subarray(streamPtr, streamPtr + XXH64_STATE_BYTES));
      const stream = {
        update(data: Uint8Array) {
          const p = copyIn(data);
          u8.set(state, streamPtr);
          ex.xxh64StreamUpdate(streamPtr, p, data.length);
          state.set(u8.subarray(streamPtr, streamPtr + XXH64_STATE_BYTES));
          return stream;
        },
        digest() {
          u8.set(state, streamPtr);
          return BigInt.asUintN(64, ex.xxh64StreamDigest(streamPtr));
        },
      };
      return stream;
    },
    sha256(data) {
      ex.sha256(copyIn(data), data.length, digestPtr);
      return u8.slice(digestPtr, digestPtr + 32);
    },
    sha256Window(offset, length) {
      checkRange(offset, offset + length, inCap);
      ex.sha256(inPtr + offset, length, digestPtr);
      return u8.slice(digestPtr, digestPtr + 32);
    },
    sha256Frames(count) {
      checkCount(count);
      const done = ex.sha256Frames(inPtr, inCap, pairsPtr, count, resPtr);
      framesFailed(done, count);
      return new Uint8Array(buf, resPtr, 32 * count);
    },
    structHash(fields: readonly StructField[]) {
      const bytes = encoder.encode(structHashInput(fields));
      return ex.structHashV(copyIn(bytes), bytes.length);
    },
  };
}
