// CRC-32 IEEE (reflected polynomial 0xEDB88320; Go crc32.ChecksumIEEE, zlib crc32), pure TypeScript.
// Twin of assembly/crc32.ts. Slicing-by-16: 16 tables of 256 words, 16 input bytes per step.
// Invariant: crc32(b, crc32(a)) === crc32(a ++ b) (the seed is a previous result, as in zlib).

/** T[k*256 + b]: CRC of byte b followed by k zero bytes. Exported so tests can compare with the Wasm tables. */
export const CRC32_TABLES: Int32Array = (() => {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

// One view per table: indexing a separate array is cheaper in V8 than adding a table offset.
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = Array.from({ length: 16 }, (_, k) =>
  CRC32_TABLES.subarray(k * 256, k * 256 + 256),
) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** CRC-32 IEEE of `data`, continuing from `seed` (a previous result; 0 to start). Unsigned result. */
export function crc32(data: Uint8Array, seed = 0): number {
  let c = ~seed | 0;
  const n = data.length;
  let i = 0;
  const end16 = n - 15;
  while (i < end16) {
    c =
      T15[(data[i]! ^ c) & 0xff]! ^
      T14[(data[i + 1]! ^ (c >>> 8)) & 0xff]! ^
      T13[(data[i + 2]! ^ (c >>> 16)) & 0xff]! ^
      T12[data[i + 3]! ^ (c >>> 24)]! ^
      T11[data[i + 4]!]! ^
      T10[data[i + 5]!]! ^
      T9[data[i + 6]!]! ^
      T8[data[i + 7]!]! ^
      T7[data[i + 8]!]! ^
      T6[data[i + 9]!]! ^
      T5[data[i + 10]!]! ^
      T4[data[i + 11]!]! ^
      T3[data[i + 12]!]! ^
      T2[data[i + 13]!]! ^
      T1[data[i + 14]!]! ^
      T0[data[i + 15]!]!;
    i += 16;
  }
  while (i < n) c = (c >>> 8) ^ T0[(c ^ data[i++]!) & 0xff]!;
  return ~c >>> 0;
}
