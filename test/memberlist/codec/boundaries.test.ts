// Boundary cases the mutation run found untested: the compound builder and splitter at their limits,
// AES-GCM version 0 padding (every length mod 16, forged pad bytes, minimum sizes, key order), and the
// packet layers' decisions (compress only when strictly smaller, the CRC layer only outermost and only on
// 5+ bytes).
import { describe, expect, it } from "vitest";
import { decryptPayload, encodeCompound, encodeCompressed, encodeMessage, encryptedLength, encryptPayload, Keyring, makeCompound, openPacket, sealPacket, splitCompound } from "../../../src/memberlist/codec/index.ts";
import { crc32 } from "../../../src/hotpath/index.ts";
import { MemberlistError } from "../../../src/memberlist/errors.ts";

const K1 = new Uint8Array(16).fill(1);
const K2 = new Uint8Array(32).fill(2);
const part = (n: number, t = 8) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? t : i & 0xff));

describe("compound limits", () => {
  it("255 parts fit one compound, 256 do not; encodeCompound splits at 255", () => {
    const parts = Array.from({ length: 256 }, () => part(3));
    expect(makeCompound(parts.slice(0, 255))[1]).toBe(255);
    expect(() => makeCompound(parts)).toThrow(/256 parts exceeds 255/);
    const out = encodeCompound(parts);
    expect(out.map((c) => c[1])).toEqual([255, 1]);
    expect(encodeCompound([part(3)])).toEqual([part(3)]);
    expect(encodeCompound([])).toEqual([]);
  });

  it("a part of 65535 bytes fits, 65536 does not", () => {
    expect(makeCompound([part(0xffff), part(1)]).length).toBe(2 + 4 + 0xffff + 1);
    expect(() => makeCompound([part(0x10000)])).toThrow(/65536 bytes exceeds 65535/);
  });

  it("splitter: header boundaries, an exactly fitting last part, one byte short, offsets from base", () => {
    expect(() => splitCompound(Uint8Array.of(7), 10)).toThrow(MemberlistError);
    expect(() => splitCompound(Uint8Array.of(7, 2, 0, 1, 0), 0)).toThrow(/truncated compound length slice/);
    expect(splitCompound(Uint8Array.of(7, 0)).parts).toEqual([]);
    const c = makeCompound([part(2), part(3)]);
    const whole = splitCompound(c, 100);
    expect(whole.truncated).toBeUndefined();
    expect(whole.parts.map((p) => [p.offset, p.buf.length])).toEqual([
      [106, 2],
      [108, 3],
    ]);
    const short = splitCompound(c.subarray(0, c.length - 1), 100);
    expect(short.parts).toHaveLength(1);
    expect(short.truncated?.message).toMatch(/1 of 2 parts missing/);
    expect(short.truncated?.offset).toBe(108);
    const zeroLen = splitCompound(Uint8Array.of(7, 2, 0, 0, 0, 0));
    expect(zeroLen.parts.map((p) => p.buf.length)).toEqual([0, 0]);
  });
});

describe("AES-GCM padding (version 0) and sizes", () => {
  it("pads every length to the next 16-byte multiple (a full block when aligned) and unpads on open", async () => {
    const kr = new Keyring(K1);
    for (let n = 0; n <= 33; n++) {
      const msg = part(n, 1);
      const blob = await encryptPayload(0, kr, msg, new Uint8Array(0));
      const pad = 16 - (n % 16);
      expect(blob.length, `n=${n}`).toBe(1 + 12 + n + pad + 16);
      expect(encryptedLength(0, n)).toBe(blob.length);
      expect(encryptedLength(1, n)).toBe(1 + 12 + n + 16);
      expect(await decryptPayload(kr, blob, new Uint8Array(0))).toEqual(msg);
    }
  });

  it("refuses forged padding: 0 and 17 (a version 0 plaintext is at least one block, so 1..16 always fit)", async () => {
    const kr = new Keyring(K1);
    // A version-1 blob relabelled as version 0: GCM still opens it, the padding check must refuse it.
    for (const last of [0, 17, 255]) {
      const plain = part(16, 1);
      plain[15] = last;
      const blob = await encryptPayload(1, kr, plain, new Uint8Array(0));
      blob[0] = 0;
      await expect(decryptPayload(kr, blob, new Uint8Array(0))).rejects.toMatchObject({ code: "memberlist.decrypt", message: expect.stringMatching(/PKCS#7/) });
    }
    // One block short of the version 0 minimum is refused before decryption.
    const blob = await encryptPayload(1, kr, new Uint8Array(15), new Uint8Array(0));
    blob[0] = 0;
    await expect(decryptPayload(kr, blob, new Uint8Array(0))).rejects.toMatchObject({ message: expect.stringMatching(/too small/) });
    // A pad of exactly 16 (a whole block) is valid.
    const ok = await encryptPayload(1, kr, new Uint8Array(16).fill(16), new Uint8Array(0));
    ok[0] = 0;
    expect(await decryptPayload(kr, ok, new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it("sizes and versions: empty, version 2, one byte short of the minimum; keys are tried in order", async () => {
    const kr = new Keyring(K1, [K2]);
    const none = new Uint8Array(0);
    await expect(decryptPayload(kr, none, none)).rejects.toMatchObject({ message: expect.stringMatching(/empty/) });
    await expect(decryptPayload(kr, Uint8Array.of(2, ...new Uint8Array(40)), none)).rejects.toMatchObject({ message: expect.stringMatching(/version 2/) });
    await expect(decryptPayload(kr, new Uint8Array(encryptedLength(1, 0) - 1).fill(1), none)).rejects.toMatchObject({ message: expect.stringMatching(/too small/) });
    await expect(decryptPayload(kr, new Uint8Array(encryptedLength(0, 0) - 1), none)).rejects.toMatchObject({ message: expect.stringMatching(/too small/) });
    const bySecond = await encryptPayload(1, new Keyring(K2), part(20), none);
    expect(await decryptPayload(kr, bySecond, none)).toEqual(part(20));
    await expect(decryptPayload(new Keyring(K1), bySecond, none)).rejects.toMatchObject({ message: expect.stringMatching(/no installed keys/) });
    await expect(encryptPayload(1, kr, part(3), none, () => new Uint8Array(11))).rejects.toMatchObject({ code: "memberlist.bad_key", message: expect.stringMatching(/nonce/) });
    // The AAD is bound: the same blob under another label does not open.
    const labelled = await encryptPayload(1, kr, part(5), Uint8Array.of(1));
    await expect(decryptPayload(kr, labelled, none)).rejects.toMatchObject({ code: "memberlist.decrypt" });
  });
});

describe("packet layer decisions", () => {
  const ping = encodeMessage({ type: "ping", body: { SeqNo: 1, Node: "n" } });

  it("compresses only when that is strictly smaller", () => {
    const small = sealPacket(ping, { compress: true });
    expect(small).toEqual(ping); // compression would grow it
    const big = encodeMessage({ type: "user", body: new Uint8Array(400) });
    const sealed = sealPacket(big, { compress: true });
    expect(sealed[0]).toBe(9);
    expect(sealed.length).toBeLessThan(big.length);
    expect(openPacket(sealed, {}).messages).toEqual([{ type: "user", body: new Uint8Array(400) }]);
  });

  it("CRC: added as 0c + CRC-32 BE; checked only on 5+ bytes; a wrong CRC drops the packet", () => {
    const sealed = sealPacket(ping, { crc: true });
    expect(sealed[0]).toBe(12);
    expect(new DataView(sealed.buffer).getUint32(1)).toBe(crc32(ping));
    expect(openPacket(sealed, {}).messages).toHaveLength(1);
    const bad = sealed.slice();
    bad[4] ^= 1;
    expect(openPacket(bad, {}).errors.map((e) => e.code)).toEqual(["memberlist.checksum"]);
    // Four bytes starting 0c are not a CRC layer: they go to the message decoder (and fail there).
    const four = openPacket(Uint8Array.of(12, 0, 0, 0), {});
    expect(four.errors.map((e) => e.code)).not.toContain("memberlist.checksum");
    // An empty body after a valid CRC header is checked too (CRC of nothing is 0).
    expect(openPacket(Uint8Array.of(12, 0, 0, 0, 0), {}).errors.map((e) => e.code)).not.toContain("memberlist.checksum");
    // The CRC layer is outermost only: one inside a compound is not undone.
    const inner = openPacket(makeCompound([sealed, ping]), {});
    expect(inner.messages).toHaveLength(1);
    expect(inner.errors).toHaveLength(1);
  });

  it("compress layer inside a compound, and a compound inside compress, within the layer depth", () => {
    const c = makeCompound([encodeCompressed(ping), ping]);
    expect(openPacket(c, {}).messages).toHaveLength(2);
    expect(openPacket(encodeCompressed(c), {}).messages).toHaveLength(2);
  });
});

describe("AES-GCM errors and nonces", () => {
  it("every decryption error is a typed error at offset 0, with a message naming its cause", async () => {
    const kr = new Keyring(K1);
    const none = new Uint8Array(0);
    const forged0 = await encryptPayload(1, kr, Uint8Array.from({ length: 32 }, () => 17), none);
    forged0[0] = 0; // version 0 whose last plaintext byte claims a pad of 17 (more than a block, less than the text)
    const cases: [Uint8Array, Keyring, RegExp][] = [
      [none, kr, /empty/],
      [Uint8Array.of(2, ...new Uint8Array(40)), kr, /version 2/],
      [new Uint8Array(20).fill(1), kr, /too small/],
      [forged0, kr, /PKCS#7 padding 17/],
      [await encryptPayload(1, new Keyring(K2), part(20), none), kr, /no installed keys/],
    ];
    for (const [blob, ring, why] of cases) {
      const err = await decryptPayload(ring, blob, none).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(why)).toBeInstanceOf(MemberlistError);
      expect(err).toMatchObject({ code: "memberlist.decrypt", offset: 0, message: expect.stringMatching(why) });
    }
  });

  it("nonces are random: two seals of one message differ, and no nonce is all zeros", async () => {
    const kr = new Keyring(K1);
    const a = await encryptPayload(1, kr, part(8), new Uint8Array(0));
    const b = await encryptPayload(1, kr, part(8), new Uint8Array(0));
    expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13));
    expect(a.subarray(1, 13).some((x) => x !== 0) || b.subarray(1, 13).some((x) => x !== 0)).toBe(true);
  });

  it("a primary key the runtime cannot use is a typed bad_key error with the cause", async () => {
    const boom = new Error("no such algorithm");
    const broken = { cryptoKeys: () => [Promise.reject(boom)] } as unknown as Keyring;
    const err = await encryptPayload(1, broken, part(4), new Uint8Array(0)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "memberlist.bad_key", message: expect.stringMatching(/primary key/) });
    expect((err as Error).cause).toBe(boom);
  });
});

describe("compound edges", () => {
  it("a multiple of 255 parts makes exactly that many compounds (no empty trailing one)", () => {
    expect(encodeCompound(Array.from({ length: 255 }, () => part(2))).map((c) => c[1])).toEqual([255]);
    expect(encodeCompound(Array.from({ length: 510 }, () => part(2))).map((c) => c[1])).toEqual([255, 255]);
  });

  it("header errors point at the end of the input, counted from base", () => {
    const at = (buf: Uint8Array, base: number) => {
      try {
        splitCompound(buf, base);
      } catch (e) {
        return (e as MemberlistError).offset;
      }
      return undefined;
    };
    expect(at(Uint8Array.of(7), 10)).toBe(11);
    expect(at(Uint8Array.of(7, 2, 0, 1, 0), 10)).toBe(15);
  });
});
