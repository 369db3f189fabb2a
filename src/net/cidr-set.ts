// An allow-list of networks (memberlist's CIDRsAllowed): `contains` answers whether an address lies in
// any of them. Go's net.IPNet.Contains semantics: an IPv4 network also contains the IPv4-mapped IPv6 form
// of its addresses (::ffff:a.b.c.d), an IPv6 network never contains a 4-byte address, and each family
// must be listed on its own ("0.0.0.0/0" does not allow IPv6). An empty list allows nothing; "no list"
// (allow all) is the caller's `undefined`.
import { parseCidr, tryParseIp, unmapV4 } from "./ip.ts";

export class CidrSet {
  private readonly nets: ReadonlyArray<{ addr: Uint8Array; len: number }>;
  /** The networks as given (normalised "addr/len" text), for logs and docs. */
  readonly text: readonly string[];

  private constructor(nets: Array<{ addr: Uint8Array; len: number }>, text: string[]) {
    this.nets = nets;
    this.text = text;
  }

  /**
   * Parses "a.b.c.d/n" and "x::/n" entries (comma-separated strings are split). Host bits must be zero
   * (IpParseError "ip_host_bits" otherwise) so that a typo is not silently widened.
   */
  static parse(entries: readonly string[]): CidrSet {
    const nets: Array<{ addr: Uint8Array; len: number }> = [];
    const text: string[] = [];
    for (const e of entries.flatMap((x) => x.split(","))) {
      const s = e.trim();
      if (!s) continue;
      nets.push(parseCidr(s));
      text.push(s);
    }
    return new CidrSet(nets, text);
  }

  get size(): number {
    return this.nets.length;
  }

  /** True when `ip` (4 or 16 bytes, or IP text) lies in one of the networks. Unparsable text: false. */
  contains(ip: Uint8Array | string): boolean {
    const raw = typeof ip === "string" ? tryParseIp(ip) : ip;
    if (raw === null || (raw.length !== 4 && raw.length !== 16)) return false;
    const b = unmapV4(raw);
    for (const n of this.nets) if (n.addr.length === b.length && prefixMatches(n.addr, n.len, b)) return true;
    return false;
  }
}

function prefixMatches(net: Uint8Array, len: number, ip: Uint8Array): boolean {
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (net[i] !== ip[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (net[full]! & m) === (ip[full]! & m);
}
