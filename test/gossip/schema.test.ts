// Schema table and V (docs/protocols/gravity.md §3.2): the hashed strings are the documented ones, and V is pinned to the
// documented values and cross-checked with node:crypto, for the TS twin (referenceSchema) and for the schema a
// runtime computes with its platform's hot path (createGossipSchema: Wasm on the Node platform).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createGossipSchema, gossipSchema, referenceSchema, schemaString, type StructField, type StructName } from "../../src/gossip/index.ts";
import { simPlatform } from "../../src/platform/index.ts";
import { testPlatform } from "../helpers/platform.ts";

const SPEC: [StructName, string, number][] = [
  ["EndpointMapping", "GravityVIP:string;HadronVIP:string;ContainerID:string;MachineID:string;ProjectID:string;DNSNames:[]string;Timestamp:int64;SNIHostname:string;", 185],
  ["EndpointTombstone", "ContainerID:string;MachineID:string;Timestamp:int64;", 123],
  ["NATEntry", "Key:string;OriginalDst:string;OriginalSrc:string;SrcPort:uint16;DstPort:uint16;Timestamp:int64;", 56],
  ["VIPHeartbeat", "VIP:string;Owners:map[string]int64;Timestamp:int64;NewNATs:[]gossip.NATEntry;NewEndpoints:[]gossip.EndpointMapping;", 38],
  ["SubnetRoute", "Subnet:string;MachineID:string;IonID:string;Timestamp:int64;Action:string;", 231],
];

describe("schema V", () => {
  it.each(SPEC)("%s hashes the documented string to %#", (name, text, v) => {
    expect(schemaString(name)).toBe(text);
    expect(referenceSchema().v[name]).toBe(v);
    expect(createHash("sha256").update(text).digest()[0]).toBe(v);
  });

  it("yields 185, 123, 56, 38, 231 by type number", () => {
    expect([1, 2, 3, 4, 5].map((t) => referenceSchema().localV(t as 1))).toEqual([185, 123, 56, 38, 231]);
  });

  it("classifies remote V", () => {
    const s = referenceSchema();
    expect(s.status("NATEntry", 56)).toBe("current");
    expect(s.status("NATEntry", 0)).toBe("legacy");
    expect(s.status("NATEntry", 57)).toBe("mismatch");
  });

  it("a runtime computes the same V with its platform's schema-hash routine (Wasm on Node)", () => {
    const platform = testPlatform();
    expect(platform.hotpath.choice("schema-hash")).toBe("wasm");
    expect(platform.hotpath.for("schema-hash").kind).toBe("wasm");
    expect(createGossipSchema(platform).v).toEqual(referenceSchema().v);
    expect(createGossipSchema(simPlatform()).v).toEqual(referenceSchema().v);
  });

  it("gossipSchema uses exactly the routine it is given, once per struct", () => {
    const seen: string[] = [];
    const s = gossipSchema((fields: readonly StructField[]) => {
      seen.push(fields.map(([n, t]) => `${n}:${t};`).join(""));
      return 7;
    });
    expect(seen).toEqual(SPEC.map(([, text]) => text));
    expect(s.localV(3)).toBe(7);
  });
});
