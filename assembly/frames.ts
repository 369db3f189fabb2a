// Frame scanning over bytes resident in linear memory: ckit frames, memberlist compound messages, and
// the NetBird relay header with the in-place peer-ID swap. Twin: src/hotpath/frames.ts.
// Scanners write (offset, length) u32 pairs (offset of the payload relative to the scanned buffer)
// and never allocate; every read is bounds-checked against the buffer before it happens.
//
// Wire layouts (docs/protocols/ckit.md §2, docs/protocols/memberlist.md §5.1, docs/protocols/relay.md §2.1):
//   ckit short  CC | u16 BE len | payload      ckit long  CD | u32 BE len | payload
//   compound    07 | u8 count | count × u16 BE len | parts concatenated
//   relay       u8 version (= 1) | u8 type | body; type 3 (transport): body = peer ID (36) | payload
//
// ABI (numbers and pointers only; pointers into this instance's linear memory):
//   hpStatus() -> ptr      16-byte status block written by the scanners: i32 code, u32 at, u32 a, u32 b
//   scanCkit(base, start, end, out, outCap, maxLen) -> u32 frames written
//       scans [base+start, base+end); pair offsets and `at` are relative to base.
//       code 0 OK all consumed (at = end) | 1 MORE: truncated frame at `at`, a = header size, b = payload
//       length (b = 0, a = header bytes needed when the header itself is cut) | 2 FULL: out has outCap
//       pairs, next frame at `at` | -1 BAD_MAGIC at `at` | -2 TOO_LARGE at `at` (b = declared length)
//   scanCompound(base, start, end, out, outCap) -> u32 parts written (offsets relative to base)
//       code 0 OK (at = end of the last part; bytes after it are ignored, as memberlist does)
//       | -8 TRUNCATED: `a` trailing parts run past the end, the first at `at`, b = its length; the
//       returned count of earlier parts are valid | -1 BAD_MAGIC at start | -3 HEADER: count byte or
//       length slice cut, at = offset of the first missing byte | -4 OUTPUT: outCap < count
//   relayType(ptr, len) -> i32        type byte, or -5 SHORT (len < 2) / -6 VERSION (byte 0 != 1)
//   relaySwapId(ptr, len, id) -> i32  type 3 with len >= 38: copies 36 bytes from id into [2, 38), returns
//                                     3; else -5 SHORT / -6 VERSION / -7 NOT_TRANSPORT, nothing written
//   relaySwapBurst(base, count, out) -> u32 records handled (= count)
//       a burst of relay messages, one 80-byte record each at base + 80 i:
//         [u32 LE message length][36-byte sender ID][the message's first 38 bytes][2 bytes padding]
//       relaySwapId on each record's head with the record's length and sender ID; the i32 result
//       (3, or the negative code) goes to out + 4 i. Only the 38-byte head travels: the caller copies
//       bytes [2, 38) of each head whose result is 3 back into its message.

const STATUS: usize = memory.data(16, 16);
const TOUCH: usize = 2048;

// Status / result codes: ABI, mirrored in src/hotpath/frames.ts. Only ever append new codes.
const FRAME_OK: i32 = 0;
const FRAME_MORE: i32 = 1;
const FRAME_FULL: i32 = 2;
const FRAME_BAD_MAGIC: i32 = -1;
const FRAME_TOO_LARGE: i32 = -2;
const FRAME_HEADER: i32 = -3;
const FRAME_OUTPUT: i32 = -4;
const RELAY_SHORT: i32 = -5;
const RELAY_VERSION: i32 = -6;
const RELAY_NOT_TRANSPORT: i32 = -7;
const COMPOUND_TRUNCATED: i32 = -8;

export function hpStatus(): usize {
  return STATUS;
}

// @ts-ignore: decorator
@inline function status(code: i32, at: usize, a: u32, b: u32): void {
  store<i32>(STATUS, code);
  store<u32>(STATUS, at as u32, 4);
  store<u32>(STATUS, a, 8);
  store<u32>(STATUS, b, 12);
}

export function scanCkit(ptr: usize, start: usize, stop: usize, out: usize, outCap: u32, maxLen: u32): u32 {
  let p = ptr + start;
  const end = ptr + stop;
  let n: u32 = 0;
  // Fast path for runs of short frames: one u32 load gives magic and length; the loop-carried chain is
  // load -> length -> next offset. Anything unusual (long form, bad magic, limits, the buffer's last
  // 4 bytes, a full output window) falls through to the general loop below, which re-examines the frame.
  if (maxLen >= 0xffff && stop - start >= 4) {
    const last = end - 4;
    let touch: u32 = 0;
    while (p <= last && n < outCap) {
      // Touch a line ~TOUCH bytes ahead: the header chain is a dependent load per frame, so without this
      // each frame waits a full L2 latency; the independent touch pulls the lines in early.
      const ahead = p + TOUCH;
      touch += load<u8>(ahead < last ? ahead : last);
      const w = load<u32>(p);
      if ((w & 0xff) != 0xcc) break;
      const flen = (w & 0xff00) | ((w >>> 16) & 0xff);
      const next = p + 3 + flen;
      if (next > end) break;
      store<u32>(out + ((n as usize) << 3), (p + 3 - ptr) as u32);
      store<u32>(out + ((n as usize) << 3), flen, 4);
      n++;
      p = next;
    }
    store<u32>(STATUS, touch, 12); // keeps the touches alive; overwritten by the status below
  }
  while (p < end) {
    if (n == outCap) {
      status(FRAME_FULL, p - ptr, 0, 0);
      return n;
    }
    const rem = end - p;
    const m = load<u8>(p);
    let hdr: usize;
    let flen: u32;
    if (m == 0xcc) {
      if (rem < 3) {
        status(FRAME_MORE, p - ptr, 3, 0);
        return n;
      }
      flen = bswap<u16>(load<u16>(p, 1)) as u32;
      hdr = 3;
    } else if (m == 0xcd) {
      if (rem < 5) {
        status(FRAME_MORE, p - ptr, 5, 0);
        return n;
      }
      flen = bswap<u32>(load<u32>(p, 1));
      hdr = 5;
    } else {
      status(FRAME_BAD_MAGIC, p - ptr, m as u32, 0);
      return n;
    }
    if (flen > maxLen) {
      status(FRAME_TOO_LARGE, p - ptr, hdr as u32, flen);
      return n;
    }
    // rem >= hdr here; compare without forming hdr + flen (it can exceed 2^32).
    if ((flen as usize) > rem - hdr) {
      status(FRAME_MORE, p - ptr, hdr as u32, flen);
      return n;
    }
    store<u64>(out + ((n as usize) << 3), ((flen as u64) << 32) | ((p + hdr - ptr) as u64));
    n++;
    p += hdr + (flen as usize);
  }
  status(FRAME_OK, stop, 0, 0);
  return n;
}

export function scanCompound(base: usize, start: usize, stop: usize, out: usize, outCap: u32): u32 {
  const ptr = base + start;
  const len = stop - start;
  if (len < 1 || load<u8>(ptr) != 7) {
    status(len < 1 ? FRAME_HEADER : FRAME_BAD_MAGIC, start, 0, 0);
    return 0;
  }
  if (len < 2) {
    status(FRAME_HEADER, start + 1, 0, 0);
    return 0;
  }
  const count = load<u8>(ptr, 1) as u32;
  if (len < 2 + ((count as usize) << 1)) {
    status(FRAME_HEADER, stop, count, 0);
    return 0;
  }
  if (count > outCap) {
    status(FRAME_OUTPUT, start, count, outCap);
    return 0;
  }
  let p: usize = 2 + ((count as usize) << 1);
  for (let i: u32 = 0; i < count; i++) {
    const plen = bswap<u16>(load<u16>(ptr + 2 + ((i as usize) << 1))) as u32;
    if ((plen as usize) > len - p) {
      status(COMPOUND_TRUNCATED, start + p, count - i, plen);
      return i;
    }
    store<u64>(out + ((i as usize) << 3), ((plen as u64) << 32) | ((start + p) as u64));
    p += plen as usize;
  }
  status(FRAME_OK, start + p, 0, 0);
  return count;
}

export function relayType(ptr: usize, len: usize): i32 {
  if (len < 2) return RELAY_SHORT;
  if (load<u8>(ptr) != 1) return RELAY_VERSION;
  return load<u8>(ptr, 1) as i32;
}

export function relaySwapId(ptr: usize, len: usize, id: usize): i32 {
  const t = relayType(ptr, len);
  if (t < 0) return t;
  if (t != 3) return RELAY_NOT_TRANSPORT;
  if (len < 38) return RELAY_SHORT;
  // 36 bytes = two v128 + one u32; loads first so an overlapping id slot is read before it is written.
  const a = v128.load(id);
  const b = v128.load(id, 16);
  const c = load<u32>(id, 32);
  v128.store(ptr + 2, a);
  v128.store(ptr + 2, b, 16);
  store<u32>(ptr + 2, c, 32);
  return 3;
}

/** Size of one relaySwapBurst record (see the header). */
const BURST_RECORD: usize = 80;

export function relaySwapBurst(base: usize, count: u32, out: usize): u32 {
  let p = base;
  for (let i: u32 = 0; i < count; i++, p += BURST_RECORD) {
    store<i32>(out + ((i as usize) << 2), relaySwapId(p + 40, load<u32>(p) as usize, p + 4));
  }
  return count;
}
