// The hot path inside workerd: the module comes from worker/hotpath.ts (bundled as a pre-compiled
// WebAssembly.Module, the only form Workers accept). Checks the five Gravity V values, CRC-32 / SHA-256 /
// xxHash64 vectors, a frame scan and the peer-ID swap, for the Wasm build and the TS twin.
import { describe, expect, it } from "vitest";
import { createHotpath } from "../../src/hotpath/index.ts";
import type { StructField } from "../../src/hotpath/index.ts";
import { hotpathModule } from "../../worker/hotpath.ts";
import { HOTPATH_ABI_BUILD_ID } from "../../src/hotpath/window.ts";

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fieldsOf = (s: string): StructField[] =>
  s.split(";").filter(Boolean).map((f) => [f.slice(0, f.indexOf(":")), f.slice(f.indexOf(":") + 1)] as const);

// docs/protocols/gravity.md §3.2 table
const V: [string, number][] = [
  ["GravityVIP:string;HadronVIP:string;ContainerID:string;MachineID:string;ProjectID:string;DNSNames:[]string;Timestamp:int64;SNIHostname:string;", 185],
  ["ContainerID:string;MachineID:string;Timestamp:int64;", 123],
  ["Key:string;OriginalDst:string;OriginalSrc:string;SrcPort:uint16;DstPort:uint16;Timestamp:int64;", 56],
  ["VIP:string;Owners:map[string]int64;Timestamp:int64;NewNATs:[]gossip.NATEntry;NewEndpoints:[]gossip.EndpointMapping;", 38],
  ["Subnet:string;MachineID:string;IonID:string;Timestamp:int64;Action:string;", 231],
];

describe.each([
  ["wasm", () => createHotpath(hotpathModule())],
  ["ts", () => createHotpath()],
] as const)("hot path in workerd (%s)", (kind, make) => {
  const hp = make();

  it("loads with the expected kind and build id", () => {
    expect(hp.kind).toBe(kind);
    expect(hp.buildId).toBe(HOTPATH_ABI_BUILD_ID);
  });

  it("gives the five Gravity schema hashes", () => {
    expect(V.map(([s]) => hp.structHash(fieldsOf(s)))).toEqual([185, 123, 56, 38, 231]);
  });

  it("matches CRC-32, SHA-256 and xxHash64 vectors", async () => {
    expect(hp.crc32(enc.encode("123456789"))).toBe(0xcbf43926);
    expect(hp.crc32(enc.encode("hello"))).toBe(907060870); // zlib crc32("hello"): the IEEE CRC of docs/protocols/memberlist.md §5.2
    expect(hex(hp.sha256(enc.encode("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const data = enc.encode("gossamer".repeat(50));
    const subtle = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    expect(hex(hp.sha256(data))).toBe(hex(subtle));
    expect(hp.xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(hp.xxh64(enc.encode("abc"))).toBe(0x44bc2cf5ad770999n);
  });

  it("scans ckit frames and swaps a relay peer ID", () => {
    const r = hp.scanCkit(Uint8Array.from([0xcc, 0, 2, 7, 7, 0xcd, 0, 0, 0, 1, 9, 0xcc, 0]));
    expect(r).toEqual({ status: "more", count: 2, consumed: 11, need: 3 });
    expect(Array.from(hp.pairs().subarray(0, 4))).toEqual([3, 2, 10, 1]);
    const msg = new Uint8Array(40);
    msg[0] = 1;
    msg[1] = 3;
    const id = new Uint8Array(36).fill(0x33);
    hp.swapPeerId(msg, id);
    expect(Array.from(msg.subarray(2, 38))).toEqual(Array.from(id));
  });
});
