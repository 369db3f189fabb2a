// Captured vectors (docs/protocols/memberlist.md §17): live captures between Go memberlist 0.2.2 / latest / Serf 0.9.4 nodes.
// Every capture decodes to the documented values through the real receive path (openPacket for
// datagrams, readStreamMessage for TCP writes, fed in small chunks to exercise incremental parsing).
import { describe, expect, it } from "vitest";
import {
  decodeCompressed,
  DEFAULT_LIMITS,
  encodeCompound,
  encodeMessage,
  encodePushPull,
  encodeStreamUser,
  Keyring,
  openPacket,
  readStreamMessage,
  sealPacket,
  sealStream,
} from "../../../src/memberlist/codec/index.ts";
import type { Message, PushNodeState, PushPull } from "../../../src/memberlist/messages.ts";
import { AES_KEY, chunkedConn, concat, ip4, utf8 } from "./helpers.ts";
import { CAPTURED, DOCUMENTED, hex, toHex } from "./vectors.ts";

const LO = ip4(127, 0, 0, 1);
const VSN = hex("010502000000");
const VSN_TS = hex("010502020504");
const cap = (name: string): Uint8Array => hex(CAPTURED[name]!);

const alive = (node: string, port: number, meta: Uint8Array | null = null, vsn = VSN): Message => ({
  type: "alive",
  body: { Addr: LO, Incarnation: 1, Meta: meta, Node: node, Port: port, Vsn: vsn },
});
const state = (name: string, port: number, st: 0 | 1 | 2 | 3 = 0, meta: Uint8Array | null = null, vsn = VSN): PushNodeState => ({
  Addr: LO,
  Incarnation: 1,
  Meta: meta,
  Name: name,
  Port: port,
  State: st,
  Vsn: vsn,
});
const pingFromB = (node: string, seq: number, port = 17947): Message => ({
  type: "ping",
  body: { Node: node, SeqNo: seq, SourceAddr: LO, SourceNode: "b", SourcePort: port },
});

/** UDP captures: expected messages after every layer is undone. */
const PACKETS: [string, Message[]][] = [
  ["S01", [pingFromB("a", 1)]],
  ["S02", [{ type: "ackResp", body: { Payload: null, SeqNo: 1 } }]],
  ["S03", [alive("c", 17948)]],
  ["S04", [alive("b", 17947), alive("a", 17946)]],
  ["S05a", [pingFromB("a", 5), { type: "suspect", body: { From: "b", Incarnation: 1, Node: "c" } }]],
  ["S05b", [pingFromB("c", 7), { type: "suspect", body: { From: "b", Incarnation: 1, Node: "c" } }]],
  [
    "S06",
    [
      {
        type: "indirectPing",
        body: { Nack: true, Node: "c", Port: 17948, SeqNo: 4, SourceAddr: LO, SourceNode: "b", SourcePort: 17947, Target: LO },
      },
    ],
  ],
  ["S07", [{ type: "nackResp", body: { SeqNo: 4 } }]],
  ["S08", [{ type: "suspect", body: { From: "b", Incarnation: 1, Node: "c" } }]],
  ["S09", [{ type: "dead", body: { From: "b", Incarnation: 1, Node: "c" } }]],
  ["S10", [{ type: "dead", body: { From: "b", Incarnation: 1, Node: "b" } }]],
  [
    "S21",
    [
      {
        type: "ackResp",
        body: {
          Payload: hex(
            "0184aa41646a7573746d656e74cbbef346fd1b787607a54572726f72cb3fe030d02d13aa0aa6486569676874cb3ee4f8b588e368f1a356656398cbbef4e790f7def721cb3ec1ffd4b00353c8cb3eaf7e5225038965cb3ef463ab681b741ecbbef24b678ba9cb7bcbbee24727bf413015cbbef840dea3248469cb3ef2abf4ceda95ed",
          ),
          SeqNo: 1,
        },
      },
    ],
  ],
  ["S22", [pingFromB("ts3", 189, 7947)]],
  ["S23", [{ type: "user", body: hex("0384a24343c3a54c54696d6501a44e616d65a66465706c6f79a75061796c6f6164a27631") }]],
];

/** CRC-wrapped captures and their documented CRC. */
const CRCS: Record<string, string> = { S03: "8e5a3a57", S04: "7de54236", S05b: "d3c5c5db", S08: "2ee1d551", S09: "bf8005c8", S10: "c887355e", S23: "e980d486" };

describe("captured UDP datagrams", () => {
  for (const [name, msgs] of PACKETS) {
    it(`${name} opens to the documented messages`, () => {
      expect(openPacket(cap(name), {})).toEqual({ messages: msgs, errors: [] });
    });
    it(`${name} re-encodes byte-exactly (same layers as Go used)`, () => {
      const parts = msgs.map((m) => encodeMessage(m));
      const [body] = parts.length === 1 ? [parts[0]!] : encodeCompound(parts);
      const sealed = sealPacket(body!, { crc: name in CRCS });
      expect(toHex(sealed)).toBe(CAPTURED[name]);
      if (name in CRCS) expect(toHex(sealed.subarray(1, 5))).toBe(CRCS[name]);
    });
  }

  it("S17 (label L1, AES-GCM, CRC, LZW, compound): opens with the key and label", async () => {
    const keyring = new Keyring(AES_KEY);
    const opened = await openPacket(cap("S17"), { label: "L1", keyring });
    expect(opened).toEqual({ messages: [alive("la", 17946), alive("lb", 17947)], errors: [] });
  });

  it("S17: our sender reproduces the datagram byte for byte given its nonce (LZW, CRC, GCM, label all exact)", async () => {
    const keyring = new Keyring(AES_KEY);
    const [compound] = encodeCompound([alive("la", 17946), alive("lb", 17947)].map((m) => encodeMessage(m)));
    expect(toHex(compound!)).toBe(DOCUMENTED.S17!.decompressed);
    const s17 = CAPTURED.S17!;
    const nonce = hex(s17.slice(2 * 5, 2 * 17)); // after f4 02 "L1" and the vsn byte
    const sealed = await sealPacket(compound!, { label: "L1", keyring, compress: true, crc: true, randomBytes: () => nonce });
    expect(toHex(sealed)).toBe(s17);
  });

  it("S17 is rejected without the label, with another label, and with another key", async () => {
    const keyring = new Keyring(AES_KEY);
    const none = await openPacket(cap("S17"), { keyring });
    expect(none.messages).toEqual([]);
    expect(none.errors.map((e) => e.code)).toEqual(["memberlist.label"]);
    const other = await openPacket(cap("S17"), { label: "L2", keyring });
    expect(other.errors.map((e) => e.code)).toEqual(["memberlist.label"]);
    const wrongKey = await openPacket(cap("S17"), { label: "L1", keyring: new Keyring(new Uint8Array(16).fill(7)) });
    expect(wrongKey.errors.map((e) => e.code)).toEqual(["memberlist.decrypt"]);
  });
});

const hello = utf8("hello-user-state");
const xs = new Uint8Array(200).fill(0x78);

/** TCP captures (requests and replies). */
const STREAMS: [string, unknown][] = [
  ["S11", { type: "pushPull", body: { header: { Join: true, Nodes: 1, UserStateLen: 16 }, states: [state("b", 17947)], userState: hello } }],
  ["S12", { type: "pushPull", body: { header: { Join: true, Nodes: 1, UserStateLen: 0 }, states: [state("a", 17946)], userState: new Uint8Array(0) } }],
  [
    "S13",
    {
      type: "pushPull",
      body: {
        header: { Join: false, Nodes: 3, UserStateLen: 0 },
        states: [state("c", 17948), state("b", 17947), state("a", 17946)],
        userState: new Uint8Array(0),
      },
    },
  ],
  [
    "S14",
    {
      type: "pushPull",
      body: {
        header: { Join: true, Nodes: 1, UserStateLen: 50 },
        states: [state("b", 17947)],
        userState: hex("68656c6c6f2d757365722d73746174652d68656c6c6f2d757365722d73746174652d68656c6c6f2d757365722d7374617465"),
      },
    },
  ],
  ["S15", { type: "pushPull", body: { header: { Join: true, Nodes: 1, UserStateLen: 200 }, states: [state("new", 17947)], userState: xs } }],
  [
    "S16",
    {
      type: "pushPull",
      body: { header: { Join: false, Nodes: 2, UserStateLen: 200 }, states: [state("old", 17946), state("new", 17947)], userState: xs },
    },
  ],
  [
    "S19",
    {
      type: "pushPull",
      body: {
        header: { Join: true, Nodes: 1, UserStateLen: 0 },
        states: [state("ts3", 17952, 0, hex("ff81a4726f6c65a27473"), VSN_TS)],
        userState: new Uint8Array(0),
      },
    },
  ],
  ["S24", { type: "ping", body: { Node: "tp", SeqNo: 77 } }],
  ["S25", { type: "ackResp", body: { Payload: null, SeqNo: 77 } }],
  ["S26", { type: "err", body: { Error: "Remote state is encrypted and encryption is not configured" } }],
  ["S27", { type: "user", body: utf8("hello") }],
  ["S28", { type: "pushPull", body: { header: { Join: false, Nodes: 0, UserStateLen: 0 }, states: [], userState: new Uint8Array(0) } }],
];

describe("captured TCP stream messages", () => {
  for (const [name, want] of STREAMS) {
    for (const sizes of [[1], [3, 17], [4096]]) {
      it(`${name} decodes incrementally from ${sizes.join("/")}-byte chunks (no EOF needed)`, async () => {
        // eof=false: the dialer does not half-close; the reader must stop at the message's end.
        const role = ["S12", "S25", "S26"].includes(name) ? "dial" : "accept";
        expect(await readStreamMessage(chunkedConn(cap(name), sizes, false), { role })).toEqual(want);
      });
    }
  }

  it("S14, S19, S25, S26: LZW Buf decompresses to the documented bytes", () => {
    for (const name of ["S14", "S19", "S20", "S25", "S26"]) {
      expect(toHex(decodeCompressed(cap(name), DEFAULT_LIMITS, 1 << 20)), name).toBe(DOCUMENTED[name]!.decompressed);
    }
  });

  it("S11-S13, S16, S19, S28 re-encode byte-exactly (0.2.2 flavour); S15 in the latest flavour", async () => {
    for (const [name] of STREAMS.filter(([n]) => ["S11", "S12", "S13", "S16", "S28"].includes(n))) {
      const m = await readStreamMessage(chunkedConn(cap(name)), {});
      expect(toHex(encodePushPull((m as { body: PushPull }).body)), name).toBe(CAPTURED[name]);
    }
    const s15 = await readStreamMessage(chunkedConn(cap("S15")), {});
    expect(toHex(encodePushPull((s15 as { body: PushPull }).body, { flavor: "latest" }))).toBe(CAPTURED.S15);
    expect(toHex(encodeStreamUser(utf8("hello")))).toBe(CAPTURED.S27);
    // S19 and S25 as Go sends them: every stream message compressed, even when it grows.
    const s19 = await readStreamMessage(chunkedConn(cap("S19")), {});
    expect(toHex(await sealStream(encodePushPull((s19 as { body: PushPull }).body), { compress: true }))).toBe(CAPTURED.S19);
    expect(toHex(await sealStream(encodeMessage({ type: "ackResp", body: { Payload: null, SeqNo: 77 } }), { compress: true }))).toBe(
      CAPTURED.S25,
    );
  });

  it("S20: Serf's push/pull reply with 4 nodes (2 left) and 607 bytes of Serf user state", async () => {
    const m = await readStreamMessage(chunkedConn(cap("S20"), [50]), { role: "dial" });
    const serfTags = hex("ff82a4696d706cac707974686f6e2d70726f746fa4726f6c65a774732d6e6f6465");
    const ff80 = hex("ff80");
    const userState = hex(DOCUMENTED.S20!.decompressed!).subarray(hex(DOCUMENTED.S20!.decompressed!).length - 607);
    expect(m).toEqual({
      type: "pushPull",
      body: {
        header: { Join: true, Nodes: 4, UserStateLen: 607 },
        states: [
          state("py2", 17961, 3, serfTags, VSN_TS),
          state("a", 7946, 0, ff80, hex("010502020505")),
          state("b", 7947, 0, ff80, hex("010502020505")),
          state("py1", 17960, 3, serfTags, VSN_TS),
        ],
        userState,
      },
    });
    expect(userState[0]).toBe(2); // Serf messagePushPull type prefix
  });

  it("S18a + S18b: label header write, then the encrypted compressed push/pull (AAD 0a L + L1)", async () => {
    const keyring = new Keyring(AES_KEY);
    const bytes = concat(cap("S18a"), cap("S18b"));
    const want = { type: "pushPull", body: { header: { Join: true, Nodes: 1, UserStateLen: 0 }, states: [state("lb", 17947)], userState: new Uint8Array(0) } };
    expect(await readStreamMessage(chunkedConn(bytes, [4, 151], false), { label: "L1", keyring })).toEqual(want);
    expect(await readStreamMessage(chunkedConn(bytes, [1], false), { label: "L1", keyring })).toEqual(want);
    // Byte-exact re-seal of S18b given its nonce: LZW + GCM with the stream AAD.
    const plain = hex(DOCUMENTED.S18b!.plaintext!);
    const nonce = hex(CAPTURED.S18b!.slice(12, 36));
    const pp = encodePushPull(want.body as PushPull);
    expect(toHex(await sealStream(pp, { label: "L1", keyring, compress: true, randomBytes: () => nonce }))).toBe(CAPTURED.S18b);
    expect(toHex(plain.subarray(0, 1))).toBe("09");
  });

  it("S18b without the label header is rejected by a labeled acceptor; with a wrong key it fails to decrypt", async () => {
    const keyring = new Keyring(AES_KEY);
    await expect(readStreamMessage(chunkedConn(cap("S18b")), { label: "L1", keyring })).rejects.toMatchObject({ code: "memberlist.label" });
    await expect(
      readStreamMessage(chunkedConn(concat(cap("S18a"), cap("S18b"))), { label: "L1", keyring: new Keyring(new Uint8Array(32)) }),
    ).rejects.toMatchObject({ code: "memberlist.decrypt" });
    // An unencrypted acceptor: Go answers errResp "Remote state is encrypted and encryption is not configured" (S26).
    await expect(readStreamMessage(chunkedConn(concat(cap("S18a"), cap("S18b"))), { label: "L1" })).rejects.toMatchObject({
      code: "memberlist.encryption_not_configured",
    });
  });
});
