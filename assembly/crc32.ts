// CRC-32 IEEE (reflected polynomial 0xEDB88320; Go crc32.ChecksumIEEE, zlib crc32, memberlist hasCrc).
// Twin: src/hotpath/crc32.ts. Slicing-by-16 over 16 tables of 256 u32 (16 KiB, static data, filled by
// the start function). Wasm has no carry-less multiply, so table lookups are the ceiling (~2 GB/s).
//
// ABI (numbers and pointers only; all pointers into this instance's linear memory):
//   crc32(ptr, len, seed) -> u32          CRC of [ptr, ptr+len), continuing from `seed` (0 to start)
//   crc32Frames(base, baseLen, pairs, count, seed, out) -> u32
//       for i < count: (off, len) = u32 pair at pairs + 8*i, relative to base; writes the CRC as u32 to
//       out + 4*i. Stops at the first pair that does not lie inside [base, base+baseLen) and returns its
//       index; returns `count` when all were hashed.

const CRC_T: usize = memory.data(16 * 256 * 4, 64);

function crcInit(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    store<u32>(CRC_T + ((n as usize) << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(CRC_T + ((n as usize) << 2));
    for (let k: u32 = 1; k < 16; k++) {
      c = load<u32>(CRC_T + (((c & 0xff) as usize) << 2)) ^ (c >>> 8);
      store<u32>(CRC_T + (((k << 8) + n) as usize << 2), c);
    }
  }
}
crcInit();

// @ts-ignore: decorator
@inline function tb(i: u32): usize {
  return CRC_T + ((i as usize) << 2);
}

export function crc32(ptr: usize, len: usize, seed: u32): u32 {
  let c = ~seed;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= 16) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    const d = load<u32>(p, 8);
    const e = load<u32>(p, 12);
    c =
      load<u32>(tb(a & 0xff), 15360) ^
      load<u32>(tb((a >>> 8) & 0xff), 14336) ^
      load<u32>(tb((a >>> 16) & 0xff), 13312) ^
      load<u32>(tb(a >>> 24), 12288) ^
      load<u32>(tb(b & 0xff), 11264) ^
      load<u32>(tb((b >>> 8) & 0xff), 10240) ^
      load<u32>(tb((b >>> 16) & 0xff), 9216) ^
      load<u32>(tb(b >>> 24), 8192) ^
      load<u32>(tb(d & 0xff), 7168) ^
      load<u32>(tb((d >>> 8) & 0xff), 6144) ^
      load<u32>(tb((d >>> 16) & 0xff), 5120) ^
      load<u32>(tb(d >>> 24), 4096) ^
      load<u32>(tb(e & 0xff), 3072) ^
      load<u32>(tb((e >>> 8) & 0xff), 2048) ^
      load<u32>(tb((e >>> 16) & 0xff), 1024) ^
      load<u32>(tb(e >>> 24));
    p += 16;
  }
  while (p < end) {
    c = (c >>> 8) ^ load<u32>(tb((c ^ load<u8>(p)) & 0xff));
    p++;
  }
  return ~c;
}

export function crc32Frames(base: usize, baseLen: u32, pairs: usize, count: u32, seed: u32, out: usize): u32 {
  for (let i: u32 = 0; i < count; i++) {
    const off = load<u32>(pairs + ((i as usize) << 3));
    const len = load<u32>(pairs + ((i as usize) << 3), 4);
    if (off > baseLen || len > baseLen - off) return i;
    store<u32>(out + ((i as usize) << 2), crc32(base + off, len, seed));
  }
  return count;
}
