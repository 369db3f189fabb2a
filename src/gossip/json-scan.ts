// Structural scanner over JSON text that JSON.parse has ALREADY validated. It finds the raw text spans
// that JSON.parse throws away and Go's encoding/json keeps or checks:
// - the payload's exact text (Go: json.RawMessage) for verbatim re-gossip,
// - the raw text of unknown members (kept for re-gossip, docs/protocols/gravity.md §4.5),
// - the literal text of numbers (Go rejects `1.0`, `1e3`, `-0` for unsigned fields; JSON.parse does not
//   tell them apart from integers).
// It trusts its input: never call it on text JSON.parse rejected.

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

export function skipWs(t: string, i: number): number {
  while (i < t.length && isWs(t.charCodeAt(i))) i++;
  return i;
}

/** `i` at an opening quote; returns the index after the closing quote. */
export function skipString(t: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = t.indexOf('"', j);
    if (q < 0) return t.length; // unreachable on valid JSON
    let k = q - 1;
    let n = 0;
    while (t.charCodeAt(k) === 92) {
      n++;
      k--;
    }
    if ((n & 1) === 0) return q + 1;
    j = q + 1;
  }
}

/** `i` at the first character of a value; returns the index after it. */
export function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 34) return skipString(t, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (;;) {
      const d = t.charCodeAt(i);
      if (d === 34) {
        i = skipString(t, i);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
      if (i >= t.length) return i;
    }
  }
  while (i < t.length) {
    const d = t.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || isWs(d)) break;
    i++;
  }
  return i;
}

/**
 * Members of the object starting at `i` (`{`), as a flat list
 * [keyStart, keyEnd, valueStart, valueEnd, ...] (key spans include the quotes).
 */
export function objectMembers(t: string, i: number): number[] {
  const out: number[] = [];
  i = skipWs(t, i + 1);
  if (t.charCodeAt(i) === 125) return out;
  for (;;) {
    const ks = i;
    const ke = skipString(t, i);
    i = skipWs(t, ke) + 1; // ':'
    const vs = skipWs(t, i);
    const ve = skipValue(t, vs);
    out.push(ks, ke, vs, ve);
    i = skipWs(t, ve);
    if (t.charCodeAt(i) !== 44) return out; // '}'
    i = skipWs(t, i + 1);
  }
}

/** Elements of the array starting at `i` (`[`), as a flat list [start, end, ...]. */
export function arrayElements(t: string, i: number): number[] {
  const out: number[] = [];
  i = skipWs(t, i + 1);
  if (t.charCodeAt(i) === 93) return out;
  for (;;) {
    const s = i;
    const e = skipValue(t, i);
    out.push(s, e);
    i = skipWs(t, e);
    if (t.charCodeAt(i) !== 44) return out;
    i = skipWs(t, i + 1);
  }
}

/** The decoded text of a key span (with quotes). */
export function keyText(t: string, ks: number, ke: number): string {
  const raw = t.slice(ks + 1, ke - 1);
  return raw.indexOf("\\") < 0 ? raw : (JSON.parse(t.slice(ks, ke)) as string);
}

/**
 * Go encoding/json key folding (Go >= 1.21 foldName): ASCII letters upper-cased, every other rune
 * replaced by the smallest rune of its case-folding orbit. The only non-ASCII runes whose orbit reaches
 * ASCII are U+212A KELVIN SIGN (-> 'K') and U+017F LONG S (-> 'S'); other runes can never fold-match an
 * ASCII field name, so they are kept as they are.
 */
export function foldKey(k: string): string {
  let out = "";
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c >= 97 && c <= 122) out += String.fromCharCode(c - 32);
    else if (c === 0x212a) out += "K";
    else if (c === 0x17f) out += "S";
    else out += k[i];
  }
  return out;
}

/**
 * Orders strings the way Go compares them (bytewise UTF-8, i.e. by code point), not by UTF-16 code
 * unit: surrogate pairs (code points >= 0x10000) sort after U+E000..U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
