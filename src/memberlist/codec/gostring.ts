// Go strings are byte strings: node names need not be valid UTF-8, and memberlist keys its state by
// those exact bytes. To keep them lossless in JS strings, bytes that are not part of valid UTF-8 are
// mapped to lone surrogates U+DC80..U+DCFF on decode and back to the raw byte on encode (the
// "surrogateescape" scheme): valid UTF-8 never produces a lone surrogate, so the mapping is one-to-one.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const enc = new TextEncoder();

/** Bytes -> string, valid UTF-8 as usual, every other byte b as U+DC00+b. */
export function decodeGoString(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    return escapeDecode(b);
  }
}

function escapeDecode(b: Uint8Array): string {
  let s = "";
  let i = 0;
  const n = b.length;
  while (i < n) {
    const b0 = b[i]!;
    if (b0 < 0x80) {
      s += String.fromCharCode(b0);
      i++;
      continue;
    }
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    }
    let ok = len > 0 && i + len <= n;
    for (let k = 1; ok && k < len; k++) {
      const c = b[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) ok = false;
    }
    if (!ok) {
      s += String.fromCharCode(0xdc00 + b0);
      i++;
      continue;
    }
    let cp = b0 & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) cp = (cp << 6) | (b[i + k]! & 0x3f);
    s += String.fromCodePoint(cp);
    i += len;
  }
  return s;
}

const LONE = /[\ud800-\udfff]/;

/** String -> bytes, inverse of decodeGoString (other lone surrogates become U+FFFD, as TextEncoder does). */
export function encodeGoString(s: string): Uint8Array {
  if (!LONE.test(s)) return enc.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else if (c >= 0xd800 && c <= 0xdfff) out.push(0xef, 0xbf, 0xbd);
    else if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}
