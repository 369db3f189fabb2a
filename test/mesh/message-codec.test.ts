// The Message codec: every captured Message decodes to the same union value through the fast field plan
// and re-encodes (our encoder, our registry) to the captured unit; fields are matched by NAME as Go does
// (other orders, extra and missing fields work; a wrong field type and a struct with no matching field
// are type errors); unknown commands and bad MSA bodies become "other"; bodies forwarded between streams
// keep their values while their type ids are renumbered.
import { describe, expect, it } from "vitest";
import { encodeMessage, readMessage, stringBody, type MeshMessage } from "../../src/mesh/index.ts";
import {
  BOOL,
  GobError,
  GobInterface,
  GobStreamDecoder,
  GobStreamEncoder,
  GobStruct,
  INT,
  INTERFACE,
  STRING,
  STRING_SLICE,
  TypeRegistry,
  UINT,
  structOf,
  toPlain,
} from "../../src/mesh/gob/index.ts";
import { capturedStreams, hex } from "./vectors.ts";
import { scriptOf } from "./replay-peer.ts";

function decodeMessages(bytes: Uint8Array): MeshMessage[] {
  const dec = new GobStreamDecoder();
  dec.push(bytes);
  const out: MeshMessage[] = [];
  for (let it = dec.next(readMessage); it; it = dec.next(readMessage)) if (it.kind === "value") out.push(it.value);
  return out;
}

describe("Message codec against the captures", () => {
  it("decodes every captured Message and re-encodes it to the captured unit", () => {
    let n = 0;
    for (const s of capturedStreams().filter((x) => !x.name.includes("renumbered") && !x.name.includes("predefined"))) {
      const items = scriptOf(s.bytes, s.role);
      const enc = new GobStreamEncoder(new TypeRegistry());
      for (const it of items) {
        if (it.kind === "handshake") enc.encode(typeof it.value === "boolean" ? BOOL : STRING, it.value!);
        if (!it.message) continue;
        const again = encodeMessage(enc, it.message);
        // definitions come first on a fresh stream; the Message's own unit(s) end the output
        expect(hex(again).endsWith(hex(it.raw))).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
  });

  it("classifies ACK, MSA and MESSAGE as the annotations say", () => {
    const s = capturedStreams().find((x) => x.name === "s1a-c1-dialer-10.200.0.2.bin")!;
    const ms = decodeMessages(s.bytes.subarray(9 + 7));
    expect(ms[0]).toEqual({ kind: "msa", source: "bravo", instance: 12863860383455142192n, route: ["bravo"], id: 1n, neighbours: ["alpha"] });
    expect(ms[1]).toEqual({ kind: "ack", id: 1n });
    const hello = ms.find((m) => m.kind === "message")!;
    expect(hello).toMatchObject({ kind: "message", recipients: ["alpha"], source: "bravo", route: ["bravo"], id: 0n });
    expect(hello.kind === "message" && hello.body?.value).toBe("hello-all");
  });
});

describe("Go's rules for decoding into Message", () => {
  const enc = () => new GobStreamEncoder(new TypeRegistry());
  it("matches fields by name: another order and extra fields decode; missing fields stay zero", () => {
    const odd = structOf("Msg", [
      { name: "Extra", type: INT },
      { name: "Command", type: INT },
      { name: "Body", type: INTERFACE },
      { name: "Source", type: STRING },
      { name: "ID", type: UINT },
    ]);
    const bytes = enc().encode(odd, new GobStruct([7, 1, new GobInterface("[]string", STRING_SLICE, ["b", "c"]), "a", 3]));
    expect(decodeMessages(bytes)).toEqual([{ kind: "msa", source: "a", instance: 0n, route: [], id: 3n, neighbours: ["b", "c"] }]);
  });
  it("rejects a wrong field type, a struct with no matching field, and a non-struct", () => {
    const wrong = structOf("Message", [{ name: "Source", type: INT }]);
    const none = structOf("Other", [{ name: "X", type: INT }]);
    for (const [t, v] of [
      [wrong, new GobStruct([1])],
      [none, new GobStruct([1])],
      [STRING, "x"],
    ] as const) {
      let err: unknown;
      try {
        decodeMessages(enc().encode(t, v));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GobError);
      expect((err as GobError).code).toBe("mesh.gob.type-mismatch");
    }
  });
  it("turns unknown commands and MSAs without a []string body into 'other'", () => {
    const e = enc();
    const t = structOf("Message", [
      { name: "Source", type: STRING },
      { name: "Command", type: INT },
      { name: "Body", type: INTERFACE },
    ]);
    const ms = decodeMessages(Buffer.concat([e.encode(t, new GobStruct(["a", 7])), e.encode(t, new GobStruct(["a", 1, new GobInterface("string", STRING, "x")]))]));
    expect(ms.map((m) => m.kind)).toEqual(["other", "other"]);
  });
});

describe("forwarding bodies between streams", () => {
  it("keeps the value while renumbering the body's types for the outgoing stream", () => {
    const probe = structOf("probeCmd", [
      { name: "Name", type: STRING },
      { name: "TID", type: INT },
    ]);
    const body = new GobInterface("main.probeCmd", probe, new GobStruct(["probe", -1]));
    const m: MeshMessage = { kind: "message", recipients: ["c"], source: "a", instance: 5n, route: ["a"], id: 0n, body };
    // the incoming stream numbers probeCmd 67; the relay's registry has already given 67 and 68 away
    const incoming = encodeMessage(new GobStreamEncoder(new TypeRegistry()), m);
    const received = decodeMessages(incoming)[0]!;
    const relayRegistry = new TypeRegistry();
    relayRegistry.idOf(structOf("Message", []));
    relayRegistry.idOf(structOf("x", [{ name: "Y", type: STRING }]));
    relayRegistry.idOf(structOf("z", [{ name: "W", type: INT }]));
    const out = encodeMessage(new GobStreamEncoder(relayRegistry), { ...received, route: ["a", "b"] } as MeshMessage);
    expect(hex(out)).not.toBe(hex(incoming));
    const again = decodeMessages(out)[0]!;
    expect(again.kind === "message" && toPlain(again.body!.type, again.body!.value)).toEqual({ Name: "probe", TID: -1 });
    expect(again).toMatchObject({ route: ["a", "b"], recipients: ["c"], source: "a" });
  });
  it("a string body round-trips", () => {
    const e = new GobStreamEncoder(new TypeRegistry());
    const m: MeshMessage = { kind: "message", recipients: ["b"], source: "a", instance: 1n, route: ["a"], id: 0n, body: stringBody("héllo") };
    expect(decodeMessages(encodeMessage(e, m))).toEqual([m]);
  });
});
