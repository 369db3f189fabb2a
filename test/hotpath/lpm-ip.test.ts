// Address text for the LPM table: parseIp / parseCidr / formatIp against independent oracles
// (node:net isIP for validity, ipaddr.js for bytes, WHATWG URL for RFC 5952 canonical text).
import { isIP } from "node:net";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { formatIp, IpParseError, parseCidr, parseIp } from "../../src/net/index.ts";

// ipaddr.js reads "::a.b.c.d" as IPv4-mapped; RFC 4291 (and WHATWG URL) as ::a.b.c.d in the low bits,
// so IPv6 text goes through URL's canonicaliser first.
const bytesOf = (s: string) =>
  Array.from(ipaddr.parse(s.includes(":") ? new URL(`http://[${s}]/`).hostname.slice(1, -1) : s).toByteArray());
const canonicalV6 = (b: Uint8Array) => {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).padStart(4, "0"));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IpParseError);
    return (e as IpParseError).code;
  }
  return undefined;
}

describe("parseIp", () => {
  it("parses the usual forms", () => {
    expect(Array.from(parseIp("10.1.2.3"))).toEqual([10, 1, 2, 3]);
    expect(Array.from(parseIp("::"))).toEqual(new Array(16).fill(0));
    expect(Array.from(parseIp("::1"))).toEqual(bytesOf("::1"));
    expect(Array.from(parseIp("2001:DB8::8:800:200C:417A"))).toEqual(bytesOf("2001:db8::8:800:200c:417a"));
    expect(Array.from(parseIp("::ffff:192.0.2.128"))).toEqual(bytesOf("::ffff:192.0.2.128"));
    expect(Array.from(parseIp("64:ff9b::192.0.2.33"))).toEqual(bytesOf("64:ff9b::c000:221"));
    expect(Array.from(parseIp("1:2:3:4:5:6:7::"))).toEqual(bytesOf("1:2:3:4:5:6:7:0"));
  });

  it("rejects non-standard and malformed text with a typed error", () => {
    for (const s of ["", "1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.0.0.0", "1.2.3.4 ", "0x1.2.3.4", ":::", "1:::2",
      "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", "::1.2.3", "1.2.3.4::", "g::", "1:2:3:4:5:6:7"]) {
      expect(code(() => parseIp(s)), s).toBe("ip_bad_address");
    }
  });

  it("property: accepts exactly what node:net accepts, with ipaddr.js's bytes", () => {
    const token = fc.constantFrom("::", ":", "0", "1", "a", "F", "ff", "fff", "ffff", "10000", "00", "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", ".", "9", "99", "g", "%", " ");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }).map((xs) => xs.join("")), (s) => {
        const ok = isIP(s) !== 0 && !s.includes("%");
        const c = code(() => parseIp(s));
        expect(c === undefined, s).toBe(ok);
        if (ok) expect(Array.from(parseIp(s))).toEqual(bytesOf(s));
      }),
      { numRuns: 3000 },
    );
  });

  it("property: formatIp is canonical (WHATWG URL) and parseIp inverts it", () => {
    const v6 = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), v6), (b) => {
        const s = formatIp(b);
        expect(Array.from(parseIp(s))).toEqual(Array.from(b));
        if (b.length === 16) expect(s).toBe(canonicalV6(b));
        else expect(s).toBe(ipaddr.fromByteArray(Array.from(b)).toString());
      }),
      { numRuns: 1000 },
    );
    expect(code(() => formatIp(new Uint8Array(5)))).toBe("ip_bad_address");
  });
});

describe("parseCidr", () => {
  it("parses prefixes and rejects host bits unless asked to mask them", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ addr: Uint8Array.of(10, 0, 0, 0), len: 8 });
    expect(parseCidr("0.0.0.0/0").len).toBe(0);
    expect(parseCidr("2001:db8::/32").len).toBe(32);
    expect(parseCidr("::1/128").len).toBe(128);
    expect(code(() => parseCidr("10.1.2.3/8"))).toBe("ip_host_bits");
    expect(parseCidr("10.1.2.3/8", { maskHostBits: true })).toEqual({ addr: Uint8Array.of(10, 0, 0, 0), len: 8 });
    expect(formatIp(parseCidr("2001:db8:1:2:3::/48", { maskHostBits: true }).addr)).toBe("2001:db8:1::");
    for (const s of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/", "10.0.0.0/8/8", "::/129", "::/1.5"]) {
      expect(code(() => parseCidr(s)), s).toMatch(/^ip_bad_(prefix|address)$/);
    }
  });

  it("property: agrees with ipaddr.js parseCIDR on prefixes with zero host bits", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), fc.nat(128), (b, n) => {
        const len = n % (b.length * 8 + 1);
        const masked = ipaddr.fromByteArray(Array.from(b));
        const net = ipaddr.parseCIDR(`${masked.toString()}/${len}`);
        const first = b.length === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${masked}/${len}`) : null;
        const text = `${first ? first.toString() : formatIp(maskBytes(b, len))}/${len}`;
        const p = parseCidr(text);
        expect(p.len).toBe(net[1]);
        expect(Array.from(p.addr)).toEqual(Array.from(maskBytes(b, len)));
      }),
      { numRuns: 500 },
    );
  });
});

function maskBytes(b: Uint8Array, len: number): Uint8Array {
  const out = b.slice();
  for (let i = len; i < out.length * 8; i++) out[i >> 3] = out[i >> 3]! & ~(1 << (7 - (i & 7)));
  return out;
}
