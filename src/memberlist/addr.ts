// Address helpers for the memberlist core: IP text <-> wire bytes (IPv4 as 4 bytes, IPv6 as 16; 16-byte
// IPv4-mapped addresses read back as IPv4, as Go's net.IP does) and "host:port" joining with brackets
// for IPv6. Pure functions; invalid text yields null rather than throwing.

/** Parses dotted IPv4 or IPv6 text (optionally bracketed) into 4 or 16 bytes; null if not an IP literal. */
export function ipToBytes(host: string): Uint8Array | null {
  let h = host;
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  const v4 = parseV4(h);
  if (v4) return v4;
  return parseV6(h);
}

function parseV4(h: string): Uint8Array | null {
  const parts = h.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseV6(h: string): Uint8Array | null {
  const zone = h.indexOf("%");
  if (zone >= 0) h = h.slice(0, zone);
  if (!h.includes(":")) return null;
  let tail: Uint8Array | null = null;
  const lastColon = h.lastIndexOf(":");
  if (h.slice(lastColon + 1).includes(".")) {
    tail = parseV4(h.slice(lastColon + 1));
    if (!tail) return null;
    h = h.slice(0, lastColon + 1) + "0:0";
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const words = (s: string): number[] | null => {
    if (s === "") return [];
    const ws: number[] = [];
    for (const w of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      ws.push(parseInt(w, 16));
    }
    return ws;
  };
  const head = words(halves[0]!);
  const rest = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !rest) return null;
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** Wire IP bytes to text: 4 bytes or IPv4-mapped 16 bytes -> dotted; other 16 bytes -> IPv6 text. */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length === 16) {
    let mapped = b[10] === 0xff && b[11] === 0xff;
    for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
    if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    const ws: string[] = [];
    for (let i = 0; i < 8; i++) ws.push(((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
    // Compress the longest run of zero words (RFC 5952).
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (ws[i] !== "0") {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && ws[j] === "0") j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (best < 0) return ws.join(":");
    return `${ws.slice(0, best).join(":")}::${ws.slice(best + bestLen).join(":")}`;
  }
  return "";
}

/** "host:port", bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits "host:port" / "[v6]:port" / "host" (port = defaultPort). Null when the port is not a number. */
export function splitHostPort(addr: string, defaultPort: number): { host: string; port: number } | null {
  let host = addr;
  let portText: string | undefined;
  if (addr.startsWith("[")) {
    const end = addr.indexOf("]");
    if (end < 0) return null;
    host = addr.slice(1, end);
    const rest = addr.slice(end + 1);
    if (rest.startsWith(":")) portText = rest.slice(1);
    else if (rest !== "") return null;
  } else {
    const first = addr.indexOf(":");
    if (first >= 0 && first === addr.lastIndexOf(":")) {
      host = addr.slice(0, first);
      portText = addr.slice(first + 1);
    }
  }
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port <= 65535 ? { host, port } : null;
}

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const x = a ?? EMPTY;
  const y = b ?? EMPTY;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export const EMPTY = new Uint8Array(0);
