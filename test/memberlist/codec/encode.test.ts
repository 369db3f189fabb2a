// Encoder invariants: struct keys in go-msgpack's (byte-wise sorted) order, Go type ranges, and the
// safety rules of docs/protocols/memberlist.md §11, §12 (always 6 Vsn bytes, Meta ≤ 512), plus large compressed stream bodies.
import { describe, expect, it } from "vitest";
import { encodeMessage, encodePushPull, readStreamMessage, sealStream } from "../../../src/memberlist/codec/index.ts";
import { SCHEMAS } from "../../../src/memberlist/codec/schema.ts";
import { MemberlistEncodeError } from "../../../src/memberlist/errors.ts";
import { chunkedConn, ip4 } from "./helpers.ts";

const alive = (over: Record<string, unknown>) =>
  ({ type: "alive", body: { Addr: ip4(10, 0, 0, 1), Incarnation: 1, Meta: null, Node: "n", Port: 7946, Vsn: new Uint8Array([1, 5, 2, 0, 0, 0]), ...over } }) as const;

describe("encoder invariants", () => {
  it("every schema lists its keys byte-wise sorted (upper case before lower case)", () => {
    for (const [name, def] of Object.entries(SCHEMAS)) {
      const keys = def.map((f) => f.name);
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(keys, name).toEqual(sorted);
    }
  });

  it("refuses Vsn other than 6 bytes (0.2.2 peers panic on short ones) and Meta over 512 bytes", () => {
    expect(() => encodeMessage(alive({ Vsn: new Uint8Array([1, 5, 2]) }))).toThrow(MemberlistEncodeError);
    expect(() => encodeMessage(alive({ Meta: new Uint8Array(513) }))).toThrow(MemberlistEncodeError);
    expect(encodeMessage(alive({ Meta: new Uint8Array(512) })).length).toBeGreaterThan(512);
  });

  it("a refused encode leaves no trace in the next one (the reusable writer is reset)", () => {
    const ok = encodeMessage(alive({}));
    expect(() => encodeMessage(alive({ Node: "x".repeat(100), Vsn: new Uint8Array(2) }))).toThrow(MemberlistEncodeError);
    expect(encodeMessage(alive({}))).toEqual(ok);
  });

  it("refuses values that do not fit their Go type", () => {
    expect(() => encodeMessage(alive({ Port: 65536 }))).toThrow(MemberlistEncodeError);
    expect(() => encodeMessage(alive({ Incarnation: -1 }))).toThrow(MemberlistEncodeError);
    expect(() => encodeMessage(alive({ Incarnation: 2 ** 32 }))).toThrow(MemberlistEncodeError);
    expect(() => encodeMessage({ type: "nackResp", body: { SeqNo: 1.5 } })).toThrow(MemberlistEncodeError);
  });

  it("a compressed stream whose Buf exceeds maxFieldBytes (1 MiB) still reads (streams allow 20 MiB)", async () => {
    const userState = new Uint8Array(1_200_000);
    let x = 12345;
    for (let i = 0; i < userState.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      userState[i] = x >>> 24;
    }
    const pp = { header: { Join: false, Nodes: 0, UserStateLen: userState.length }, states: [], userState };
    const sealed = await sealStream(encodePushPull(pp), { compress: true });
    expect(sealed.length).toBeGreaterThan(1 << 20);
    const got = await readStreamMessage(chunkedConn(sealed, [65536], false), {});
    expect(got).toEqual({ type: "pushPull", body: pp });
  });
});
