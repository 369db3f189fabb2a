// IP address text <-> bytes: the one parser and printer of IP literals in gossamer (configuration, API
// input, transport addresses, memberlist's wire addresses; not the LPM lookup hot path, which takes
// bytes). Strict: IPv4 is exactly four decimal octets without leading zeros; IPv6 is
// RFC 4291 text (hex groups, one "::", optional trailing dotted IPv4), no zone. formatIp writes the
// RFC 5952 canonical form (lowercase, longest run of two or more zero groups as "::", first on a tie),
// the same as WHATWG URL host serialisation; IPv4-mapped addresses are printed in hex groups too.
import { GossamerError } from "../util/index.ts";

export type IpParseErrorCode =
  /** not an IPv4 or IPv6 address. */
  | "ip_bad_address"
  /** CIDR text without "/", or a length that is not a decimal integer in range. */
  | "ip_bad_prefix"
  /** CIDR with bits set after the prefix length (parseCidr is strict unless asked to mask them). */
  | "ip_host_bits";

export class IpParseError extends GossamerError {
  declare readonly code: IpParseErrorCode;
  constructor(code: IpParseErrorCode, message: string, offset: number) {
    super(code, message, { offset });
  }
}

function bad(s: string, offset = 0): never {
  throw new IpParseError("ip_bad_address", `not an IP address: ${JSON.stringify(s.slice(0, 64))}`, offset);
}

/** Parses dotted IPv4 at s[from..) into out[at..at+4); returns false on any syntax error. */
function parseV4Into(s: string, from: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let i = from;
  while (part < 4) {
    const start = i;
    let v = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
      if (i - start > 3) return false;
    }
    if (i === start || v > 255 || (i - start > 1 && s.charCodeAt(start) === 48)) return false;
    out[at + part++] = v;
    if (part < 4) {
      if (s.charCodeAt(i) !== 46) return false;
      i++;
    }
  }
  return i === s.length;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const groups: number[] = [];
  let gap = -1; // index in groups where "::" stands
  let i = 0;
  if (s.startsWith("::")) {
    gap = 0;
    i = 2;
    if (s.length === 2) return out;
  } else if (s.charCodeAt(0) === 58) bad(s, 0);
  for (;;) {
    // one group, or a trailing dotted IPv4
    const start = i;
    let v = 0;
    while (i < s.length && i - start < 5) {
      const h = hexVal(s.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
    }
    if (i < s.length && s.charCodeAt(i) === 46) {
      // dotted IPv4 tail: takes two groups, must end the string
      if (groups.length > 6 || !parseV4Into(s, start, out, 0)) bad(s, start);
      groups.push((out[0]! << 8) | out[1]!, (out[2]! << 8) | out[3]!);
      i = s.length;
      break;
    }
    if (i === start || i - start > 4) bad(s, start);
    groups.push(v);
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 58) bad(s, i);
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) bad(s, i);
      gap = groups.length;
      i++;
      if (i === s.length) break;
    } else if (i === s.length) bad(s, i);
    if (groups.length > 8) bad(s, i);
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) bad(s, 0);
  const tail = gap < 0 ? 0 : groups.length - gap;
  for (let g = 0; g < groups.length; g++) {
    const slot = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
    out[2 * slot] = groups[g]! >>> 8;
    out[2 * slot + 1] = groups[g]! & 255;
  }
  if (gap >= 0) for (let slot = gap; slot < 8 - tail; slot++) out[2 * slot] = out[2 * slot + 1] = 0;
  return out;
}

/** Parses an IPv4 (4 bytes) or IPv6 (16 bytes) address; IpParseError("ip_bad_address") otherwise. */
export function parseIp(s: string): Uint8Array {
  if (typeof s !== "string" || s.length === 0 || s.length > 45) bad(String(s));
  if (s.includes(":")) return parseV6(s);
  const out = new Uint8Array(4);
  if (!parseV4Into(s, 0, out, 0)) bad(s);
  return out;
}

/** Zeroes the bits of addr after the first len bits (in place) and returns whether any was set. */
export function maskHostBits(addr: Uint8Array, len: number): boolean {
  let dirty = false;
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, len - 8 * i));
    const m = keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff;
    if (addr[i]! & ~m) dirty = true;
    addr[i] = addr[i]! & m;
  }
  return dirty;
}

/**
 * Parses "addr/len". Host bits (after len) must be zero: "10.1.2.3/8" is IpParseError("ip_host_bits")
 * unless options.maskHostBits is set, which zeroes them instead.
 */
export function parseCidr(s: string, options?: { maskHostBits?: boolean }): { addr: Uint8Array; len: number } {
  if (typeof s !== "string") bad(String(s));
  const slash = s.indexOf("/");
  if (slash < 0) throw new IpParseError("ip_bad_prefix", `CIDR without "/": ${JSON.stringify(s.slice(0, 64))}`, 0);
  const addr = parseIp(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  const max = addr.length * 8;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > max) {
    throw new IpParseError("ip_bad_prefix", `prefix length must be 0..${max}: ${JSON.stringify(lenText.slice(0, 16))}`, slash + 1);
  }
  const len = Number(lenText);
  if (maskHostBits(addr, len) && !options?.maskHostBits) {
    throw new IpParseError("ip_host_bits", `host bits set after /${len} in ${JSON.stringify(s)}`, 0);
  }
  return { addr, len };
}

/** Formats 4 or 16 bytes (IPv4 dotted, IPv6 RFC 5952). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new IpParseError("ip_bad_address", `an address has 4 or 16 bytes, not ${b.length}`, 0);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/**
 * Like parseIp, but null instead of an error, and lenient about the forms addresses arrive in: one pair
 * of brackets ("[::1]") and an IPv6 zone ("fe80::1%eth0") are accepted and dropped. IPv4-mapped text
 * keeps its 16-byte form.
 */
export function tryParseIp(text: string): Uint8Array | null {
  if (typeof text !== "string") return null;
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) {
    s = s.slice(0, zone);
    if (!s.includes(":")) return null;
  }
  if (s.length === 0 || s.length > 45 || s.startsWith("[")) return null;
  try {
    return parseIp(s);
  } catch {
    return null;
  }
}

/** 4 or 6 for an IP literal (forms as tryParseIp), 0 for anything else (a host name). */
export function ipFamily(text: string): 0 | 4 | 6 {
  const b = tryParseIp(text);
  return b === null ? 0 : b.length === 4 ? 4 : 6;
}

/** True for the IPv4-mapped IPv6 form ::ffff:a.b.c.d (16 bytes). */
export function isV4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16 || b[10] !== 0xff || b[11] !== 0xff) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return true;
}

/** Go's net.IP.To4 where it applies: a mapped 16-byte address becomes its 4 bytes; anything else as is. */
export function unmapV4(b: Uint8Array): Uint8Array {
  return isV4Mapped(b) ? b.slice(12) : b;
}

/**
 * Text of address bytes as Go prints a net.IP: 4 bytes and IPv4-mapped 16 bytes dotted, other 16 bytes
 * RFC 5952; null for any other length.
 */
export function formatWireIp(b: Uint8Array): string | null {
  if (b.length !== 4 && b.length !== 16) return null;
  return formatIp(unmapV4(b));
}
