// Schema table and V (seed-protocols §1.3): the hashed strings are the spec's, and V is pinned to the
// spec's values and cross-checked with node:crypto.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LOCAL_V, localV, schemaStatus, schemaString, type StructName } from "../../src/gossip/index.ts";

const SPEC: [StructName, string, number][] = [
  ["EndpointMapping", "GravityVIP:string;HadronVIP:string;ContainerID:string;MachineID:string;ProjectID:string;DNSNames:[]string;Timestamp:int64;SNIHostname:string;", 185],
  ["EndpointTombstone", "ContainerID:string;MachineID:string;Timestamp:int64;", 123],
  ["NATEntry", "Key:string;OriginalDst:string;OriginalSrc:string;SrcPort:uint16;DstPort:uint16;Timestamp:int64;", 56],
  ["VIPHeartbeat", "VIP:string;Owners:map[string]int64;Timestamp:int64;NewNATs:[]gossip.NATEntry;NewEndpoints:[]gossip.EndpointMapping;", 38],
  ["SubnetRoute", "Subnet:string;MachineID:string;IonID:string;Timestamp:int64;Action:string;", 231],
];

describe("schema V", () => {
  it.each(SPEC)("%s hashes the spec string to %#", (name, text, v) => {
    expect(schemaString(name)).toBe(text);
    expect(LOCAL_V[name]).toBe(v);
    expect(createHash("sha256").update(text).digest()[0]).toBe(v);
  });

  it("yields 185, 123, 56, 38, 231 by type number", () => {
    expect([1, 2, 3, 4, 5].map((t) => localV(t as 1))).toEqual([185, 123, 56, 38, 231]);
  });

  it("classifies remote V", () => {
    expect(schemaStatus("NATEntry", 56)).toBe("current");
    expect(schemaStatus("NATEntry", 0)).toBe("legacy");
    expect(schemaStatus("NATEntry", 57)).toBe("mismatch");
  });
});
