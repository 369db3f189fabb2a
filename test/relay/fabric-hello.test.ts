// HELLO v2 verification (docs/protocols/relay-fabric.md §2.2): good, wrong HMAC, stale, unsigned-but-required,
// signed-but-unsupported (asymmetric config), malformed, first frame not HELLO. The HMAC is checked
// against node:crypto (reference implementation), keyed with the RAW secret bytes.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeWhoHas, FrameReader, helloSignedBytes, encodeHelloFrame } from "../../src/relay/fabric/codec.ts";
import { FabricHelloError } from "../../src/relay/fabric/errors.ts";
import { HelloAuth } from "../../src/relay/fabric/hello.ts";

const NOW = 1_800_000_000;
const raw = (frame: Uint8Array) => new FrameReader().push(frame)[0]!;

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FabricHelloError);
    return (e as FabricHelloError).reason;
  }
  return "accepted";
}

describe("HELLO v2", () => {
  it("signs with HMAC-SHA256 keyed by the raw secret over version ‖ addr_len ‖ addr ‖ timestamp", async () => {
    const a = new HelloAuth("s3cret", () => NOW);
    const f = await a.encode("10.1.2.3:7090");
    const signed = helloSignedBytes("10.1.2.3:7090", NOW);
    const mac = createHmac("sha256", Buffer.from("s3cret")).update(signed).digest();
    expect([...f]).toEqual([0x00, 0, signed.length + 33, ...signed, 32, ...mac]);
    expect(await a.verify(raw(f))).toEqual({ addr: "10.1.2.3:7090", timestamp: NOW, signed: true });
  });

  it("an unsigned cluster sends and accepts unsigned HELLOs", async () => {
    const a = new HelloAuth("", () => NOW);
    const f = await a.encode("pod:1");
    expect(f[f.length - 1]).toBe(0); // hmac_len 0, no hmac
    expect(await a.verify(raw(f))).toEqual({ addr: "pod:1", timestamp: NOW, signed: false });
  });

  it("rejects each failure with upstream's reason", async () => {
    const signer = new HelloAuth("right", () => NOW);
    const verifier = new HelloAuth("right", () => NOW);
    const good = await signer.encode("p:1");
    expect(await reason(new HelloAuth("wrong", () => NOW).verify(raw(good)))).toBe("hmac_mismatch");
    const tampered = good.slice();
    tampered[5] ^= 1; // address byte: the HMAC no longer matches
    expect(await reason(verifier.verify(raw(tampered)))).toBe("hmac_mismatch");
    expect(await reason(verifier.verify(raw(await new HelloAuth("right", () => NOW - 301).encode("p:1"))))).toBe("stale_timestamp");
    expect(await reason(verifier.verify(raw(await new HelloAuth("right", () => NOW + 301).encode("p:1"))))).toBe("stale_timestamp");
    expect(await reason(verifier.verify(raw(await new HelloAuth("right", () => NOW - 299).encode("p:1"))))).toBe("accepted");
    expect(await reason(verifier.verify(raw(await new HelloAuth("", () => NOW).encode("p:1"))))).toBe("unsigned_but_required");
    expect(await reason(new HelloAuth("", () => NOW).verify(raw(good)))).toBe("signed_but_unsupported");
    expect(await reason(verifier.verify(raw(encodeWhoHas(new Uint8Array(36)))))).toBe("first_frame_not_hello");
    const truncated = encodeHelloFrame(helloSignedBytes("p:1", NOW), null).subarray(3, 3 + 4);
    expect(await reason(verifier.verify({ type: 0, payload: truncated }))).toBe("malformed");
  });

  it("any malformed HELLO payload is rejected as malformed (or an auth reason), never anything else", async () => {
    const v = new HelloAuth("k", () => NOW);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (p) => {
        const r = await reason(v.verify({ type: 0, payload: p }));
        expect(["malformed", "unsigned_but_required", "stale_timestamp", "hmac_mismatch"]).toContain(r);
      }),
      { numRuns: 300 },
    );
  });
});
