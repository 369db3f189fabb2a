// Relay auth tokens and peer IDs against node:crypto as the reference (HMAC-SHA256 with key
// SHA-256(secret); peer ID = "sha-" + SHA-256(base64 public key)), plus fast-check on malformed tokens
// and printable IDs (only the typed errors escape).
import { createHash, createHmac, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TokenValidator, issueToken, parseToken } from "../../src/relay/auth.ts";
import { RelayAuthError, RelayPeerIdError } from "../../src/relay/errors.ts";
import { healthCheckAgentId, peerIdFromPublicKey, peerIdFromString, peerIdKeyAt, peerIdToString } from "../../src/relay/peer-id.ts";

const WALL = 1_750_000_000_000;

function referenceToken(secret: string, expiry: string, algo = 1): Uint8Array {
  const key = createHash("sha256").update(secret).digest();
  const sig = createHmac("sha256", key).update(expiry).digest();
  return new Uint8Array(Buffer.concat([Buffer.from([algo]), sig, Buffer.from(expiry)]));
}

async function rejection(v: TokenValidator, t: Uint8Array): Promise<string> {
  try {
    await v.validate(t);
  } catch (e) {
    expect(e).toBeInstanceOf(RelayAuthError);
    return (e as RelayAuthError).reason;
  }
  return "accepted";
}

describe("relay auth tokens", () => {
  it("issues tokens byte-identical to the node:crypto reference", async () => {
    const expiry = WALL / 1000 + 3600;
    expect(await issueToken("s3cret", { expiresAt: expiry })).toEqual(referenceToken("s3cret", String(expiry)));
    // default TTL: 12 h
    const t = parseToken(await issueToken("s3cret", { wallNow: () => WALL }));
    expect(t.expiry).toBe(WALL / 1000 + 12 * 3600);
  });

  it("accepts reference tokens and rejects each failure with its reason", async () => {
    const v = new TokenValidator("s3cret", () => WALL);
    const future = String(WALL / 1000 + 10);
    expect(await rejection(v, referenceToken("s3cret", future))).toBe("accepted");
    expect(await rejection(v, referenceToken("s3cret", String(WALL / 1000)))).toBe("accepted"); // now == expiry
    expect(await rejection(v, referenceToken("s3cret", String(WALL / 1000 - 1)))).toBe("expired");
    expect(await rejection(v, referenceToken("other", future))).toBe("signature");
    expect(await rejection(v, referenceToken("s3cret", future, 0))).toBe("algo");
    expect(await rejection(v, referenceToken("s3cret", future, 2))).toBe("algo");
    expect(await rejection(v, referenceToken("s3cret", "123456789"))).toBe("malformed"); // < 10 chars
    expect(await rejection(v, referenceToken("s3cret", "12345678x0"))).toBe("malformed");
    expect(await rejection(v, referenceToken("s3cret", "-1750000000"))).toBe("malformed");
    expect(await rejection(v, new Uint8Array(0))).toBe("malformed");
    const tampered = referenceToken("s3cret", future);
    tampered[5] ^= 1;
    expect(await rejection(v, tampered)).toBe("signature");
  });

  it("never throws anything but RelayAuthError on arbitrary tokens", async () => {
    const v = new TokenValidator("s3cret", () => WALL);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (t) => {
        const r = await rejection(v, t);
        expect(["malformed", "algo", "signature", "expired"]).toContain(r);
      }),
      { numRuns: 300 },
    );
  });
});

describe("relay peer IDs", () => {
  it("matches sha- + SHA-256 of the base64 public key (node:crypto reference)", async () => {
    const { publicKey } = generateKeyPairSync("x25519");
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const b64 = raw.toString("base64");
    const id = await peerIdFromPublicKey(b64);
    const expected = Buffer.concat([Buffer.from("sha-"), createHash("sha256").update(b64).digest()]);
    expect(Buffer.from(id)).toEqual(expected);
    expect(peerIdToString(id)).toBe("sha-" + createHash("sha256").update(b64).digest("base64"));
    const hc = await healthCheckAgentId();
    expect(peerIdToString(hc)).toBe("sha-" + createHash("sha256").update("healthcheck-agent").digest("base64"));
  });

  it("round-trips the printable form and agrees with Buffer base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(10), (h, off) => {
        const id = new Uint8Array(36);
        id.set(Buffer.from("sha-"));
        id.set(h, 4);
        const s = peerIdToString(id);
        expect(s).toBe("sha-" + Buffer.from(h).toString("base64"));
        expect(peerIdFromString(s)).toEqual(id);
        const framed = new Uint8Array(off + 36);
        framed.set(id, off);
        expect(peerIdKeyAt(framed, off)).toBe(s);
      }),
    );
  });

  it("rejects anything else with RelayPeerIdError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ minLength: 44, maxLength: 44 }).map((s) => "sha-" + s)), (s) => {
        try {
          const id = peerIdFromString(s);
          expect(peerIdToString(id)).toBe(s); // only canonical forms parse
        } catch (e) {
          expect(e).toBeInstanceOf(RelayPeerIdError);
        }
      }),
      { numRuns: 1000 },
    );
    expect(() => peerIdFromString("sha-" + "A".repeat(42) + "B=")).toThrow(RelayPeerIdError); // non-canonical
    expect(() => peerIdToString(new Uint8Array(35))).toThrow(RelayPeerIdError);
  });
});
