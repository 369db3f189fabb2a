// Deterministic vectors (docs/protocols/memberlist.md §17): memberlist's own Go encoders' output. Our encoder must reproduce every
// deterministic line byte for byte (0.2.2 flavour, and latest where it differs), our decoder must return
// the documented values, and the encrypted lines must open with the documented key.
import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeCompound,
  encodeCompressed,
  encodeMessage,
  encodePushPull,
  encodePushPullHeader,
  encodeStreamUser,
  decryptPayload,
  encryptPayload,
  Keyring,
  lzwDecompress,
  openPacket,
  readStreamMessage,
  sealPacket,
  sealStream,
  decodeCompressed,
  DEFAULT_LIMITS,
} from "../../../src/memberlist/codec/index.ts";
import { MemberlistLimitError } from "../../../src/memberlist/errors.ts";
import type { Message, PushPull } from "../../../src/memberlist/messages.ts";
import { AES_KEY, chunkedConn, ip4, utf8 } from "./helpers.ts";
import { DET_022, DET_LATEST, hex, toHex } from "./vectors.ts";
import { tryParseIp } from "../../../src/net/index.ts";

const A1 = ip4(10, 0, 0, 1);
const A2 = ip4(10, 0, 0, 2);
const A3 = ip4(10, 0, 0, 3);
const VSN_SERF = hex("010502020504");
const VSN_PLAIN = hex("010502000000");

// Inputs and documented decodings ("Decodings of the deterministic vectors", 0.2.2 block).
const ping: Message = { type: "ping", body: { Node: "node-b", SeqNo: 42, SourceAddr: A1, SourceNode: "node-a", SourcePort: 7946 } };
const pingMinimal: Message = { type: "ping", body: { Node: "n", SeqNo: 1 } };
const suspectB: Message = { type: "suspect", body: { From: "node-a", Incarnation: 7, Node: "node-b" } };
const aliveA: Message = { type: "alive", body: { Addr: A1, Incarnation: 1, Meta: hex("6d"), Node: "node-a", Port: 7946, Vsn: VSN_SERF } };
const aliveB: Message = { type: "alive", body: { Addr: A2, Incarnation: 1, Meta: null, Node: "node-b", Port: 7946, Vsn: VSN_PLAIN } };
const aliveC: Message = { type: "alive", body: { Addr: A3, Incarnation: 1, Meta: null, Node: "node-c", Port: 7946, Vsn: VSN_PLAIN } };

const SINGLE: [string, Message][] = [
  ["ping", ping],
  ["ping_minimal(no source)", pingMinimal],
  [
    "indirectPing",
    {
      type: "indirectPing",
      body: { Nack: true, Node: "node-c", Port: 7946, SeqNo: 43, SourceAddr: A1, SourceNode: "node-a", SourcePort: 7946, Target: A3 },
    },
  ],
  ["ack(empty payload)", { type: "ackResp", body: { Payload: null, SeqNo: 42 } }],
  ["ack(payload 01020304)", { type: "ackResp", body: { Payload: hex("01020304"), SeqNo: 42 } }],
  ["nack", { type: "nackResp", body: { SeqNo: 43 } }],
  ["err", { type: "err", body: { Error: "boom" } }],
  ["suspect", { type: "suspect", body: { From: "node-a", Incarnation: 7, Node: "node-c" } }],
  ["alive", aliveA],
  ["alive(nil meta)", { type: "alive", body: { Addr: A1, Incarnation: 300, Meta: null, Node: "node-a", Port: 7946, Vsn: VSN_PLAIN } }],
  [
    "alive(ipv6)",
    { type: "alive", body: { Addr: tryParseIp("2001:db8::1")!, Incarnation: 70000, Meta: null, Node: "v6", Port: 7946, Vsn: VSN_PLAIN } },
  ],
  ["dead", { type: "dead", body: { From: "node-a", Incarnation: 7, Node: "node-c" } }],
  ["dead(leave: From==Node)", { type: "dead", body: { From: "node-a", Incarnation: 2, Node: "node-a" } }],
  ["user(raw)", { type: "user", body: utf8("hello") }],
  ["encrypt.plaintext", pingMinimal],
];

const PUSH_PULL: PushPull = {
  header: { Join: true, Nodes: 2, UserStateLen: 10 },
  states: [
    { Addr: A1, Incarnation: 1, Meta: hex("6d"), Name: "node-a", Port: 7946, State: 0, Vsn: VSN_SERF },
    { Addr: A3, Incarnation: 9, Meta: null, Name: "node-c", Port: 7946, State: 2, Vsn: VSN_SERF },
  ],
  userState: utf8("user-state"),
};

describe("deterministic vectors, memberlist 0.2.2 block", () => {
  for (const [name, msg] of SINGLE) {
    it(`${name}: encodes byte-exactly and decodes to the documented value`, () => {
      expect(toHex(encodeMessage(msg))).toBe(DET_022[name]);
      expect(decodeMessage(hex(DET_022[name]!))).toEqual(msg);
    });
    it(`${name}: latest flavour is byte-identical (no int field > 127)`, () => {
      expect(toHex(encodeMessage(msg, { flavor: "latest" }))).toBe(DET_022[name]);
    });
  }

  it("compound(ping,suspect): lengths [69, 39]", () => {
    const parts = [encodeMessage(ping), encodeMessage(suspectB)];
    expect(parts.map((p) => p.length)).toEqual([69, 39]);
    const [c] = encodeCompound(parts);
    expect(toHex(c!)).toBe(DET_022["compound(ping,suspect)"]);
    expect(openPacket(c!, {})).toEqual({ messages: [ping, suspectB], errors: [] });
  });

  it("hasCrc(compound): crc 81f726aa prepended", () => {
    const [c] = encodeCompound([encodeMessage(ping), encodeMessage(suspectB)]);
    const sealed = sealPacket(c!, { crc: true });
    expect(toHex(sealed)).toBe(DET_022["hasCrc(compound)"]);
    expect(openPacket(hex(DET_022["hasCrc(compound)"]!), {})).toEqual({ messages: [ping, suspectB], errors: [] });
  });

  it("compound(3 alive): lengths [63, 62, 62]", () => {
    const [c] = encodeCompound([aliveA, aliveB, aliveC].map((m) => encodeMessage(m)));
    expect(toHex(c!)).toBe(DET_022["compound(3 alive)"]);
    expect(openPacket(c!, {}).messages).toEqual([aliveA, aliveB, aliveC]);
  });

  it("compress(compound(3 alive)): LZW byte-exact, and sealPacket picks it because it is smaller", () => {
    const compound = hex(DET_022["compound(3 alive)"]!);
    expect(toHex(encodeCompressed(compound))).toBe(DET_022["compress(compound(3 alive))"]);
    expect(toHex(sealPacket(compound, { compress: true }))).toBe(DET_022["compress(compound(3 alive))"]);
    const opened = openPacket(hex(DET_022["compress(compound(3 alive))"]!), {});
    expect(opened).toEqual({ messages: [aliveA, aliveB, aliveC], errors: [] });
  });

  it("compress(TOBEORNOT...): 21 LZW bytes <-> 24 bytes of text", () => {
    const text = utf8("TOBEORNOTTOBEORTOBEORNOT");
    expect(toHex(encodeCompressed(text))).toBe(DET_022["compress(TOBEORNOT...)"]);
    expect(decodeCompressed(hex(DET_022["compress(TOBEORNOT...)"]!), DEFAULT_LIMITS, 1 << 20)).toEqual(text);
  });

  it("pushPull(join,2 nodes,user)", async () => {
    expect(toHex(encodePushPull(PUSH_PULL))).toBe(DET_022["pushPull(join,2 nodes,user)"]);
    expect(toHex(encodePushPull(PUSH_PULL, { flavor: "latest" }))).toBe(DET_022["pushPull(join,2 nodes,user)"]);
    const got = await readStreamMessage(chunkedConn(hex(DET_022["pushPull(join,2 nodes,user)"]!), [7]), {});
    expect(got).toEqual({ type: "pushPull", body: PUSH_PULL });
  });

  it("pushPullHeader(UserStateLen=300): cc c8 / cd 012c in 0.2.2, d1 00c8 / d1 012c in latest", () => {
    const h = { Join: false, Nodes: 200, UserStateLen: 300 };
    expect(toHex(encodePushPullHeader(h))).toBe(DET_022["pushPullHeader(UserStateLen=300)"]);
    expect(toHex(encodePushPullHeader(h, { flavor: "latest" }))).toBe(DET_LATEST["pushPullHeader(UserStateLen=300)"]);
  });

  it("stream userMsg", async () => {
    expect(toHex(encodeStreamUser(utf8("hello")))).toBe(DET_022["stream userMsg"]);
    expect(await readStreamMessage(chunkedConn(hex(DET_022["stream userMsg"]!), [1]), {})).toEqual({ type: "user", body: utf8("hello") });
  });
});

describe("encrypted deterministic vectors (key 00..0f)", () => {
  const keyring = new Keyring(AES_KEY);
  const plain = hex(DET_022["encrypt.plaintext"]!);
  const nonceOf = (blobHex: string, at: number) => () => hex(blobHex.slice(2 * at, 2 * (at + 12)));

  for (const [block, table] of [
    ["0.2.2", DET_022],
    ["latest", DET_LATEST],
  ] as const) {
    it(`${block} encrypted.packet.v0 opens to the plaintext (PKCS#7 stripped) and re-seals with its nonce`, async () => {
      const v = table["encrypted.packet.v0"]!;
      expect(await decryptPayload(keyring, hex(v), new Uint8Array(0))).toEqual(plain);
      expect(await openPacket(hex(v), { keyring })).toEqual({ messages: [pingMinimal], errors: [] });
      const sealed = await sealPacket(plain, { keyring, encryptionVersion: 0, randomBytes: nonceOf(v, 1) });
      expect(toHex(sealed)).toBe(v);
    });
    it(`${block} encrypted.packet.v1 opens (no AAD) and re-seals with its nonce`, async () => {
      const v = table["encrypted.packet.v1"]!;
      expect(await openPacket(hex(v), { keyring })).toEqual({ messages: [pingMinimal], errors: [] });
      expect(toHex(await encryptPayload(1, keyring, plain, new Uint8Array(0), nonceOf(v, 1)))).toBe(v);
    });
    it(`${block} encrypted.stream.v1 opens with AAD 0a0000002d and re-seals with its nonce`, async () => {
      const v = table["encrypted.stream.v1"]!;
      expect(await readStreamMessage(chunkedConn(hex(v), [3]), { keyring })).toEqual(pingMinimal);
      expect(toHex(await sealStream(plain, { keyring, randomBytes: nonceOf(v, 6) }))).toBe(v);
    });
  }

  it("label.packet(plain ping): f4 03 dc1 + ping", () => {
    const v = DET_LATEST["label.packet(plain ping)"]!;
    expect(toHex(sealPacket(plain, { label: "dc1" }))).toBe(v);
    expect(openPacket(hex(v), { label: "dc1" })).toEqual({ messages: [pingMinimal], errors: [] });
  });

  it("label.packet(encrypted v1, aad=label)", async () => {
    const v = DET_LATEST["label.packet(encrypted v1, aad=label)"]!;
    expect(await openPacket(hex(v), { label: "dc1", keyring })).toEqual({ messages: [pingMinimal], errors: [] });
    expect(toHex(await sealPacket(plain, { label: "dc1", keyring, randomBytes: nonceOf(v, 6) }))).toBe(v);
  });

  it("label.stream(encrypted v1): AAD = 0a0000002d + dc1", async () => {
    const v = DET_LATEST["label.stream(encrypted v1)"]!;
    expect(await readStreamMessage(chunkedConn(hex(v), [2, 5]), { label: "dc1", keyring })).toEqual(pingMinimal);
    const conn = chunkedConn(new Uint8Array(0));
    const { writeStreamRequest } = await import("../../../src/memberlist/codec/index.ts");
    await writeStreamRequest(conn, plain, { label: "dc1", keyring, randomBytes: nonceOf(v, 11) });
    expect(conn.written.map(toHex)).toEqual([v.slice(0, 10), v.slice(10)]);
  });

  it("LZW output cap is exact: 195 bytes fit in 195, not in 194", () => {
    const buf = hex(DET_022["compress(compound(3 alive))"]!).subarray(15); // after 09 82 Algo 00 Buf da 0098
    expect(lzwDecompress(buf, 195)).toEqual(hex(DET_022["compound(3 alive)"]!));
    expect(() => lzwDecompress(buf, 194)).toThrow(MemberlistLimitError);
  });
});
