// Our codec against memberlist 0.2.2's own encode/decode (golden lines in go-reference.ts): decoding Go's
// bytes and re-encoding them gives Go's bytes back, so both sides agree on values and on encoding.
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../../src/memberlist/codec/index.ts";
import { DEFAULT_LIMITS } from "../../../src/memberlist/codec/limits.ts";
import { MsgpackReader } from "../../../src/memberlist/codec/msgpack-reader.ts";
import { MsgpackWriter } from "../../../src/memberlist/codec/msgpack.ts";
import { readStruct, SCHEMAS, writeStruct } from "../../../src/memberlist/codec/schema.ts";
import { GO_022_ENCODINGS } from "./go-reference.ts";
import { hex, toHex } from "./vectors.ts";

function roundTrip(b: Uint8Array): Uint8Array {
  if (b[0] === 0x64 || b[0] === 0x06) {
    const schema = b[0] === 0x64 ? SCHEMAS.pushNodeState : SCHEMAS.pushPullHeader;
    const v = readStruct<object>(new MsgpackReader(b, DEFAULT_LIMITS, 1), schema);
    const w = new MsgpackWriter();
    w.byte(b[0]);
    writeStruct(w, schema, v, "0.2.2");
    return w.bytes();
  }
  return encodeMessage(decodeMessage(b));
}

describe("agreement with memberlist 0.2.2's encoder", () => {
  for (const line of GO_022_ENCODINGS) {
    it(`${line.slice(0, 40)}… (${line.length / 2} bytes)`, () => {
      expect(toHex(roundTrip(hex(line)))).toBe(line);
    });
  }
  it("invalid UTF-8 in a name survives decode/encode byte for byte", () => {
    const m = decodeMessage(hex("0383a446726f6da2ff41ab496e6361726e6174696f6e01a44e6f6465a4e28228c3"));
    expect(m).toEqual({ type: "suspect", body: { From: "\udcffA", Incarnation: 1, Node: "\udce2\udc82(\udcc3" } });
  });
});
