// memberlist's CIDRsAllowed semantics (Go net.IPNet.Contains) in src/net/cidr-set.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CidrSet, IpParseError } from "../../src/net/index.ts";

describe("CidrSet", () => {
  it("contains addresses of its networks, by bytes or text, comma lists allowed", () => {
    const s = CidrSet.parse(["127.0.0.0/8", "10.1.0.0/16,fd00::/8", " "]);
    expect(s.size).toBe(3);
    expect(s.text).toEqual(["127.0.0.0/8", "10.1.0.0/16", "fd00::/8"]);
    expect(s.contains("127.0.0.1")).toBe(true);
    expect(s.contains("127.255.255.255")).toBe(true);
    expect(s.contains("128.0.0.1")).toBe(false);
    expect(s.contains(Uint8Array.of(10, 1, 200, 3))).toBe(true);
    expect(s.contains("10.2.0.1")).toBe(false);
    expect(s.contains("fd12::1")).toBe(true);
    expect(s.contains("fe80::1")).toBe(false);
  });

  it("an IPv4 network contains the IPv4-mapped form; families are listed separately", () => {
    const v4 = CidrSet.parse(["0.0.0.0/0"]);
    expect(v4.contains("::ffff:192.0.2.1")).toBe(true);
    expect(v4.contains("::1")).toBe(false);
    const v6 = CidrSet.parse(["::/0"]);
    expect(v6.contains("192.0.2.1")).toBe(false);
    expect(CidrSet.parse([]).contains("127.0.0.1")).toBe(false); // an empty list allows nothing
  });

  it("prefix bits: /9 splits the second byte, /32 is one host", () => {
    const s = CidrSet.parse(["10.128.0.0/9", "192.0.2.7/32"]);
    expect(s.contains("10.127.255.255")).toBe(false);
    expect(s.contains("10.128.0.0")).toBe(true);
    expect(s.contains("10.255.0.0")).toBe(true);
    expect(s.contains("192.0.2.7")).toBe(true);
    expect(s.contains("192.0.2.6")).toBe(false);
  });

  it("refuses host bits and garbage with typed errors; unparsable addresses are not contained", () => {
    expect(() => CidrSet.parse(["10.1.2.3/8"])).toThrow(IpParseError);
    expect(() => CidrSet.parse(["10.0.0.0"])).toThrow(IpParseError);
    expect(CidrSet.parse(["10.0.0.0/8"]).contains("not-an-ip")).toBe(false);
    expect(CidrSet.parse(["10.0.0.0/8"]).contains(new Uint8Array(5))).toBe(false);
  });

  it("agrees with a bit-by-bit reference on random IPv4 networks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), fc.nat(0xffffffff), fc.nat(0xffffffff), (len, net, ip) => {
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const base = (net & mask) >>> 0;
        const text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
        const s = CidrSet.parse([`${text(base)}/${len}`]);
        expect(s.contains(text(ip))).toBe(((ip & mask) >>> 0) === base);
      }),
      { numRuns: 500 },
    );
  });
});
