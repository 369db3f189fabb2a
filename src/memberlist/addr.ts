// Address helpers for the memberlist core: IP text <-> wire bytes (IPv4 as 4 bytes, IPv6 as 16; 16-byte
// IPv4-mapped addresses read back as IPv4, as Go's net.IP does) and "host:port" joining with brackets
// for IPv6. Pure functions; invalid text yields null rather than throwing. IP text itself is parsed and
// printed by the codec (codec/addr.ts); this file adds what the core needs around it.
import { ipToString, parseIp } from "./wire.ts";

/**
 * Parses dotted IPv4 or IPv6 text (optionally bracketed, an IPv6 zone is dropped) into 4 or 16 bytes;
 * null if not an IP literal. The codec's parseIp does the parsing; unlike it, IPv4-mapped IPv6 text keeps
 * its 16-byte form here (the advertise address is sent as written).
 */
export function ipToBytes(host: string): Uint8Array | null {
  let h = host;
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.startsWith("[")) return null; // parseIp would strip a second pair of brackets
  const zone = h.indexOf("%");
  if (zone >= 0) {
    h = h.slice(0, zone);
    if (!h.includes(":")) return null;
  }
  const b = parseIp(h);
  if (b === null || b.length === 16 || !h.includes(":")) return b;
  const mapped = new Uint8Array(16);
  mapped[10] = mapped[11] = 0xff;
  mapped.set(b, 12);
  return mapped;
}

/** Wire IP bytes to text: 4 bytes or IPv4-mapped 16 bytes -> dotted; other 16 bytes -> IPv6 text; else "". */
export function bytesToIp(b: Uint8Array): string {
  return ipToString(b) ?? "";
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
