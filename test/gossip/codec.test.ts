// Codec behaviour beyond the Go vectors: raw payload and unknown keys kept for re-gossip (docs/protocols/gravity.md §4.5)
// schema mismatch reporting (docs/protocols/gravity.md §4.2–§4.4), typed errors with byte offsets and field paths, batches, and
// Go's encoder rules (docs/protocols/gravity.md §2.1, §3.1: v first and omitted at 0, omitempty, nested stamping).
import { describe, expect, it } from "vitest";
import {
  decode,
  decodeBatch,
  encode,
  encodeToString,
  forwardEnvelope,
  GossipDecodeError,
  GossipEncodeError,
  type GossipMessage,
} from "../../src/gossip/index.ts";

const enc = new TextEncoder();

function decodeError(input: string | Uint8Array): GossipDecodeError {
  try {
    decode(input);
  } catch (e) {
    if (e instanceof GossipDecodeError) return e;
    throw e;
  }
  throw new Error("decoded");
}

describe("decode", () => {
  it("keeps the raw payload byte for byte and forwards it verbatim", () => {
    const payload = '{ "v":9, "container_id":"c", "future": {"n": 12345678901234567890}, "timestamp":1 }';
    const text = `{"type":1, "payload":${payload}}`;
    const m = decode(text);
    expect(m.raw).toBe(payload);
    expect(forwardEnvelope(m)).toBe(`{"type":1,"payload":${payload}}`);
    expect(m.payload.extra).toBe('"future": {"n": 12345678901234567890}');
  });

  it("re-encodes unknown members after the known keys (rule 5), nested ones too", () => {
    const m = decode('{"type":4,"payload":{"vip":"v","x":[1],"new_nats":[{"key":"k","y":"z"}]}}');
    expect(encodeToString(m)).toBe(
      '{"type":4,"payload":{"v":38,"vip":"v","owners":null,"timestamp":0,"new_nats":[{"v":56,"key":"k","original_dst":"","original_src":"","src_port":0,"dst_port":0,"timestamp":0,"y":"z"}],"x":[1]}}',
    );
  });

  it("reports legacy and mismatched V on the payload and on each nested element (rules 2-4)", () => {
    const m = decode(
      '{"type":4,"payload":{"v":38,"vip":"v","new_nats":[{"key":"a"},{"v":56,"key":"b"},{"v":99,"key":"c"}],"new_endpoints":[{"v":185}]}}',
    );
    expect(m.schema).toBe("current");
    expect(m.mismatches).toEqual([
      { type: 3, remoteV: 0, localV: 56, status: "legacy", path: "payload.new_nats[0]" },
      { type: 3, remoteV: 99, localV: 56, status: "mismatch", path: "payload.new_nats[2]" },
    ]);
    expect(decode('{"type":2,"payload":{}}').schema).toBe("legacy");
    expect(decode('{"type":2,"payload":{"v":1}}').schema).toBe("mismatch");
  });

  it("gives owners a null-prototype object", () => {
    const m = decode('{"type":4,"payload":{"vip":"v","owners":{"__proto__":5}}}');
    if (m.type !== 4) throw new Error("type");
    expect(Object.getPrototypeOf(m.payload.owners)).toBeNull();
    expect(Object.keys(m.payload.owners!)).toEqual(["__proto__"]);
    expect(m.payload.owners!["__proto__"]).toBe(5);
  });

  it("reports byte offsets, reasons and field paths", () => {
    const e1 = decodeError(enc.encode('{"type":3,"payload":{"original_dst":"é","src_port":70000}}'));
    expect(e1.code).toBe("gossip.decode.out_of_range");
    expect(e1.field).toBe("payload.src_port");
    expect(e1.offset).toBe('{"type":3,"payload":{"original_dst":"é","src_port":'.length + 1); // é is 2 bytes
    const e2 = decodeError('{"type":7,"payload":{}}');
    expect(e2.code).toBe("gossip.decode.unknown_type");
    const e3 = decodeError('{"type":1,"payload":{"dns_names":["a",{}]}}');
    expect(e3.field).toBe("payload.dns_names[1]");
    expect(e3.code).toBe("gossip.decode.bad_field");
    const e4 = decodeError("{nope");
    expect(e4.code).toBe("gossip.decode.malformed_json");
    expect(e4.cause).toBeInstanceOf(SyntaxError);
  });

  it("refuses input over the size limit before parsing", () => {
    const big = `{"type":2,"payload":{"container_id":"${"x".repeat(100)}"}}`;
    expect(() => decode(big, { maxBytes: 64 })).toThrow(GossipDecodeError);
    expect(decode(big, { maxBytes: 1024 }).type).toBe(2);
  });

  it("decodes batches (array or single envelope), all or nothing, with the index in errors", () => {
    const ok = decodeBatch('[{"type":2,"payload":{"container_id":"a"}}, {"type":3,"payload":{"key":"k"}}]');
    expect(ok.map((m) => m.type)).toEqual([2, 3]);
    expect(ok[1]!.raw).toBe('{"key":"k"}');
    expect(decodeBatch('{"type":2,"payload":{}}')).toHaveLength(1);
    try {
      decodeBatch('[{"type":2,"payload":{}}, {"type":3,"payload":{"src_port":-1}}]');
      throw new Error("decoded");
    } catch (e) {
      expect(e).toBeInstanceOf(GossipDecodeError);
      expect((e as GossipDecodeError).field).toBe("[1].payload.src_port");
    }
    try {
      decodeBatch('[{"type":2,"payload":{}}, {"type":9,"payload":{}}]');
      throw new Error("decoded");
    } catch (e) {
      expect((e as GossipDecodeError).field).toBe("[1]");
    }
  });
});

describe("encode", () => {
  const nat = { v: 0, key: "k", original_dst: "10.0.0.1", original_src: "10.0.0.2", src_port: 1, dst_port: 2, timestamp: 3 };

  it("stamps our V on the payload and nested elements, whatever they carried", () => {
    const msg: GossipMessage = {
      type: 4,
      payload: { v: 3, vip: "v", owners: { b: 1, a: 2 }, timestamp: 9, new_nats: [{ ...nat, v: 0 }], new_endpoints: [] },
    };
    expect(encodeToString(msg)).toBe(
      '{"type":4,"payload":{"v":38,"vip":"v","owners":{"a":2,"b":1},"timestamp":9,"new_nats":[{"v":56,"key":"k","original_dst":"10.0.0.1","original_src":"10.0.0.2","src_port":1,"dst_port":2,"timestamp":3}]}}',
    );
    expect(new TextDecoder().decode(encode(msg))).toBe(encodeToString(msg));
  });

  it("writes nil slices as null and leaves omitempty fields out", () => {
    const s = encodeToString({
      type: 1,
      payload: { v: 0, gravity_vip: "", hadron_vip: "", container_id: "c", machine_id: "", project_id: "", dns_names: null, timestamp: 0, sni_hostname: "" },
    });
    expect(s).toBe('{"type":1,"payload":{"v":185,"gravity_vip":"","hadron_vip":"","container_id":"c","machine_id":"","project_id":"","dns_names":null,"timestamp":0}}');
  });

  it("sorts owner keys bytewise (UTF-8 order, not UTF-16)", () => {
    const s = encodeToString({ type: 4, payload: { v: 0, vip: "v", owners: { "\u{1F600}": 1, "\uFF21": 2 }, timestamp: 0, new_nats: null, new_endpoints: null } });
    expect(s.indexOf("\uFF21")).toBeLessThan(s.indexOf("\u{1F600}"));
  });

  it("rejects what Go could not hold, with typed errors", () => {
    expect(() => encode({ type: 3, payload: { ...nat, src_port: 65536 } })).toThrow(GossipEncodeError);
    expect(() => encode({ type: 3, payload: { ...nat, timestamp: 1.5 } })).toThrow(GossipEncodeError);
    expect(() => encode({ type: 3, payload: { ...nat, key: 5 as unknown as string } })).toThrow(GossipEncodeError);
    try {
      encode({ type: 9, payload: nat } as unknown as GossipMessage);
      throw new Error("encoded");
    } catch (e) {
      expect((e as GossipEncodeError).code).toBe("gossip.encode.unknown_type");
    }
  });
});
