// Addresses on the memberlist wire are raw IP bytes: 4 for IPv4 (Go reduces with To4), 16 for IPv6, and
// receivers must also take the 16-byte IPv4-mapped form (::ffff:a.b.c.d) some Go values carry.
// Helpers between those bytes and the "host:port" strings of the Transport contract.

/** Dotted IPv4 or RFC 5952 IPv6 text for 4- or 16-byte addresses (mapped IPv4 as dotted); null otherwise. */
export function ipToString(ip: Uint8Array): string | null {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (ip.length !== 16) return null;
  let mapped = ip[10] === 0xff && ip[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (ip[i] !== 0) mapped = false;
  if (mapped) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip[i]! << 8) | ip[i + 1]!);
  // Longest run of zero words (length ≥ 2) becomes "::".
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

/** Wire bytes for an IP literal: 4 bytes for IPv4 (and mapped IPv4), 16 for IPv6; null if not an IP. */
export function parseIp(text: string): Uint8Array | null {
  const s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const v4 = parseV4(s);
  if (v4 !== null) return v4;
  if (!s.includes(":")) return null;
  let head = s;
  let tail = "";
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  // A dotted IPv4 may only end the address: in the tail after "::", or in the head when there is none.
  const parts = (p: string, mayEndInV4: boolean): number[] | null => {
    if (p === "") return [];
    const out: number[] = [];
    const items = p.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (mayEndInV4 && i === items.length - 1 && it.includes(".")) {
        const q = parseV4(it);
        if (q === null) return null;
        out.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const h = parts(head, dbl < 0);
  const t = parts(tail, true);
  if (h === null || t === null) return null;
  const fill = 8 - h.length - t.length;
  if (dbl >= 0 ? fill < 1 : fill !== 0) return null;
  const words = [...h, ...new Array<number>(dbl >= 0 ? fill : 0).fill(0), ...t];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  let mapped = out[10] === 0xff && out[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (out[i] !== 0) mapped = false;
  return mapped ? out.slice(12) : out;
}

function parseV4(s: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** "host:port" (IPv6 bracketed) for an address on the wire; null for a malformed address. */
export function formatAddr(ip: Uint8Array, port: number): string | null {
  const host = ipToString(ip);
  if (host === null) return null;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
