// Keyring semantics, encryption and label receive policies (docs/protocols/memberlist.md §6, §8.4), and the
// address helpers.
import { describe, expect, it } from "vitest";
import {
  encodeLabelHeader,
  encodeMessage,
  encodePushPull,
  Keyring,
  openPacket,
  overhead,
  readStreamMessage,
  sealPacket,
  sealStream,
  writeStreamRequest,
} from "../../../src/memberlist/codec/index.ts";
import { MemberlistCryptoError, MemberlistError } from "../../../src/memberlist/errors.ts";
import { formatHostPort, formatWireIp, tryParseIp, unmapV4 } from "../../../src/net/index.ts";
import { AES_KEY, chunkedConn, concat } from "./helpers.ts";
import { CAPTURED, DET_022, hex } from "./vectors.ts";

const K16 = AES_KEY;
const K24 = new Uint8Array(24).fill(0x24);
const K32 = new Uint8Array(32).fill(0x32);
const nack = encodeMessage({ type: "nackResp", body: { SeqNo: 5 } });
const NACK = { type: "nackResp", body: { SeqNo: 5 } };

describe("Keyring", () => {
  it("accepts 16/24/32-byte keys only", () => {
    for (const k of [K16, K24, K32]) expect(new Keyring(k).primaryKey()).toEqual(k);
    for (const n of [0, 8, 15, 17, 31, 33, 64]) expect(() => new Keyring(new Uint8Array(n))).toThrow(MemberlistCryptoError);
    expect(() => new Keyring(K16).addKey(new Uint8Array(20))).toThrow(MemberlistCryptoError);
  });

  it("keeps the primary first; add is idempotent; use and remove follow memberlist's rules", () => {
    const kr = new Keyring(K16, [K24, K24]);
    expect(kr.keys()).toEqual([K16, K24]);
    kr.addKey(K32);
    kr.addKey(K16);
    expect(kr.keys()).toEqual([K16, K24, K32]);
    kr.useKey(K32);
    expect(kr.primaryKey()).toEqual(K32);
    expect(kr.keys()).toEqual([K32, K16, K24]);
    expect(() => kr.removeKey(K32)).toThrow(/primary/);
    expect(() => kr.useKey(new Uint8Array(16))).toThrow(MemberlistCryptoError);
    kr.removeKey(K16);
    expect(kr.keys()).toEqual([K32, K24]);
    // Copies out, copies in: callers cannot mutate the ring.
    kr.primaryKey().fill(0);
    expect(kr.primaryKey()).toEqual(K32);
  });

  it("base64 keys (serf keygen format)", () => {
    const kr = Keyring.fromBase64(btoa(String.fromCharCode(...K32)));
    expect(kr.primaryKey()).toEqual(K32);
    expect(() => Keyring.fromBase64("not base64!!")).toThrow(MemberlistError);
  });

  it("rotation: every installed key decrypts, only the primary encrypts (AES-128/192/256)", async () => {
    const sender = new Keyring(K24);
    const receiver = new Keyring(K16, [K32, K24]);
    expect(await openPacket(await sealPacket(nack, { keyring: sender }), { keyring: receiver })).toEqual({ messages: [NACK], errors: [] });
    sender.addKey(K32);
    sender.useKey(K32);
    expect(await openPacket(await sealPacket(nack, { keyring: sender }), { keyring: receiver })).toEqual({ messages: [NACK], errors: [] });
    const old = new Keyring(K24);
    const res = await openPacket(await sealPacket(nack, { keyring: sender }), { keyring: old });
    expect(res.errors.map((e) => e.code)).toEqual(["memberlist.decrypt"]);
  });
});

describe("encryption receive policy", () => {
  const keyring = new Keyring(K16);

  it("packets: plaintext is dropped when a keyring is set (GossipVerifyIncoming), accepted when it is off", async () => {
    const strict = await openPacket(nack, { keyring });
    expect(strict.messages).toEqual([]);
    expect(strict.errors[0]).toBeInstanceOf(MemberlistCryptoError);
    expect(await openPacket(nack, { keyring, verifyIncoming: false })).toEqual({ messages: [NACK], errors: [] });
  });

  it("packets: GossipVerifyOutgoing=false sends plaintext despite a keyring", () => {
    expect(sealPacket(nack, { keyring, verifyOutgoing: false })).toEqual(nack);
  });

  it("v0 and v1 blobs both open; blobs shorter than the minimum are refused", async () => {
    for (const v of [0, 1] as const) {
      const sealed = await sealPacket(nack, { keyring, encryptionVersion: v });
      expect(sealed.length).toBe(v === 1 ? nack.length + 29 : 1 + 12 + 16 + 16); // v0: 9 bytes padded to 16
      expect((await openPacket(sealed, { keyring })).messages).toEqual([NACK]);
      expect((await openPacket(sealed.subarray(0, v === 1 ? 28 : 44), { keyring })).errors.map((e) => e.code)).toEqual(["memberlist.decrypt"]);
    }
    expect((await openPacket(hex("02" + "00".repeat(40)), { keyring })).errors[0]?.message).toMatch(/version 2/);
  });

  it("streams: plaintext is refused when a keyring is set, encrypted input refused without one (Go's errResp texts)", async () => {
    const plain = hex(CAPTURED.S24!);
    await expect(readStreamMessage(chunkedConn(plain), { keyring })).rejects.toMatchObject({
      code: "memberlist.not_encrypted",
      message: "Encryption is configured but remote state is not encrypted",
    });
    expect(await readStreamMessage(chunkedConn(plain), { keyring, verifyIncoming: false })).toEqual({ type: "ping", body: { Node: "tp", SeqNo: 77 } });
    const enc = hex(DET_022["encrypted.stream.v1"]!);
    await expect(readStreamMessage(chunkedConn(enc), {})).rejects.toMatchObject({
      code: "memberlist.encryption_not_configured",
      message: "Remote state is encrypted and encryption is not configured",
    });
  });

  it("streams: the label is AAD in both directions, even though replies carry no header", async () => {
    const sealed = await sealStream(nack, { keyring, label: "L1" });
    expect(await readStreamMessage(chunkedConn(sealed), { keyring, label: "L1", role: "dial" })).toEqual(NACK);
    await expect(readStreamMessage(chunkedConn(sealed), { keyring, role: "dial" })).rejects.toMatchObject({ code: "memberlist.decrypt" });
  });
});

describe("label policy", () => {
  it("header is sent only when a label is configured; empty or > 255-byte labels", () => {
    expect(encodeLabelHeader(undefined)).toBeNull();
    expect(encodeLabelHeader("")).toBeNull();
    expect(encodeLabelHeader("L1")).toEqual(hex("f4024c31"));
    expect(encodeLabelHeader("x".repeat(255))!.length).toBe(257);
    expect(() => encodeLabelHeader("x".repeat(256))).toThrow(MemberlistError);
    expect(sealPacket(nack, {})).toEqual(nack);
    expect(overhead.label("L1")).toBe(4);
    expect(overhead.label(undefined)).toBe(0);
  });

  it("packets: mismatches in either direction are rejected with a label error", () => {
    const labeled = sealPacket(nack, { label: "L1" });
    expect(openPacket(labeled, { label: "L1" }).messages).toEqual([NACK]);
    for (const [buf, label] of [
      [labeled, undefined],
      [labeled, "L2"],
      [nack, "L1"],
    ] as const) {
      const r = openPacket(buf, { label });
      expect(r.messages).toEqual([]);
      expect(r.errors.map((e) => e.code)).toEqual(["memberlist.label"]);
    }
  });

  it("malformed label headers: zero length, truncated", () => {
    expect(openPacket(hex("f400"), {}).errors.map((e) => e.code)).toEqual(["memberlist.label"]);
    expect(openPacket(hex("f4054c31"), { label: "L1" }).errors.map((e) => e.code)).toEqual(["memberlist.truncated"]);
    expect(openPacket(hex("f4"), {}).errors.map((e) => e.code)).toEqual(["memberlist.truncated"]);
  });

  it("SkipInboundLabelCheck: unlabeled input counts as labeled, labeled input is an error", () => {
    expect(openPacket(nack, { label: "L1", skipInboundLabelCheck: true }).messages).toEqual([NACK]);
    expect(openPacket(sealPacket(nack, { label: "L1" }), { label: "L1", skipInboundLabelCheck: true }).errors.map((e) => e.code)).toEqual([
      "memberlist.label",
    ]);
  });

  it("streams: the dialer writes the header as its own write; a labeled acceptor checks it; replies have none", async () => {
    const pp = encodePushPull({ header: { Join: false, Nodes: 0, UserStateLen: 0 }, states: [], userState: new Uint8Array(0) });
    const conn = chunkedConn(new Uint8Array(0));
    await writeStreamRequest(conn, pp, { label: "L1" });
    expect(conn.written).toEqual([hex("f4024c31"), pp]);
    const bytes = concat(...conn.written);
    expect(await readStreamMessage(chunkedConn(bytes, [1], false), { label: "L1" })).toMatchObject({ type: "pushPull" });
    await expect(readStreamMessage(chunkedConn(bytes), {})).rejects.toMatchObject({ code: "memberlist.label" });
    await expect(readStreamMessage(chunkedConn(pp), { label: "L1" })).rejects.toMatchObject({ code: "memberlist.label" });
  });
});

// Wire addresses through the one address module (src/net), as the memberlist core uses it.
const ipToString = formatWireIp;
const parseIp = (s: string): Uint8Array | null => {
  const b = tryParseIp(s);
  return b && unmapV4(b);
};
const formatAddr = (ip: Uint8Array, port: number): string => formatHostPort(formatWireIp(ip)!, port);

describe("addresses", () => {
  it("4-byte, 16-byte and IPv4-mapped forms", () => {
    expect(ipToString(hex("7f000001"))).toBe("127.0.0.1");
    expect(ipToString(hex("00000000000000000000ffff7f000001"))).toBe("127.0.0.1");
    expect(ipToString(hex("20010db8000000000000000000000001"))).toBe("2001:db8::1");
    expect(ipToString(hex("00000000000000000000000000000001"))).toBe("::1");
    expect(ipToString(hex("fe800000000000000000000000000000"))).toBe("fe80::");
    expect(ipToString(hex("20010db8000100000001000000000001"))).toBe("2001:db8:1:0:1::1");
    expect(ipToString(hex("7f0000"))).toBeNull();
    expect(formatAddr(hex("20010db8000000000000000000000001"), 7946)).toBe("[2001:db8::1]:7946");
    expect(formatAddr(hex("0a000001"), 7946)).toBe("10.0.0.1:7946");
  });
  it("parseIp is the inverse, reducing mapped IPv4 to 4 bytes like Go's To4", () => {
    expect(parseIp("10.0.0.1")).toEqual(hex("0a000001"));
    expect(parseIp("::ffff:127.0.0.1")).toEqual(hex("7f000001"));
    expect(parseIp("[2001:db8::1]")).toEqual(hex("20010db8000000000000000000000001"));
    expect(parseIp("::")).toEqual(new Uint8Array(16));
    for (const bad of ["", "1.2.3", "256.1.1.1", "1::2::3", "host.example", "12345::1"]) expect(parseIp(bad)).toBeNull();
    for (const s of ["::1", "2001:db8::1", "fe80::", "2001:db8:1:0:1::1", "1:2:3:4:5:6:7:8"]) expect(ipToString(parseIp(s)!)).toBe(s);
  });
});
