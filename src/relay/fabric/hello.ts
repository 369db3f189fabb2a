// HELLO v2 of the cluster fabric: the first frame a dialing pod sends. It announces the dialer's
// address ("podIP:port"), which the accepting pod keys the stream by, and, when the cluster has a
// shared secret, authenticates it:
//   HMAC-SHA256(key = the raw bytes of --cluster-auth-secret (NOT hashed), version ‖ addr_len ‖ addr ‖ ts)
// Receiver rules (upstream): the timestamp must be within ±5 min of our clock; with a secret the HMAC is
// required and must match; without one the HELLO must be unsigned (a signed HELLO to an unsigned pod is
// an asymmetric config and rejected). No nonce: a replay can only create a duplicate stream, which the
// fabric de-duplicates. Portable (crypto.subtle).
import { decodeFrame, encodeHelloFrame, helloSignedBytes } from "./codec.ts";
import type { HelloFrame, RawFrame } from "./codec.ts";
import { FabricDecodeError, FabricHelloError } from "./errors.ts";
import { FRAME_HELLO, HELLO_MAX_SKEW_S } from "./protocol.ts";

export interface HelloInfo {
  /** The announced address the stream is keyed by. */
  addr: string;
  /** Unix seconds from the HELLO. */
  timestamp: number;
  signed: boolean;
}

/** Signs and verifies HELLOs for one cluster secret ("" = unsigned cluster). Caches the HMAC key. */
export class HelloAuth {
  private readonly secret: Uint8Array;
  private key: Promise<CryptoKey> | null = null;
  private readonly nowSec: () => number;

  constructor(secret: string | Uint8Array, nowSec: () => number = () => Math.floor(Date.now() / 1000)) {
    this.secret = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
    this.nowSec = nowSec;
  }

  get signing(): boolean {
    return this.secret.length > 0;
  }

  private hmacKey(): Promise<CryptoKey> {
    this.key ??= crypto.subtle.importKey("raw", this.secret as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    return this.key;
  }

  /** The complete HELLO frame announcing `addr`, signed when we have a secret. */
  async encode(addr: string, timestamp = this.nowSec()): Promise<Uint8Array> {
    const signed = helloSignedBytes(addr, timestamp);
    if (!this.signing) return encodeHelloFrame(signed, null);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.hmacKey(), signed as BufferSource));
    return encodeHelloFrame(signed, mac);
  }

  /**
   * Checks the first frame of an accepted stream. Resolves with the announced address or rejects with
   * FabricHelloError(reason) — the reasons are upstream's relay_cluster_hello_rejects_total labels.
   */
  async verify(first: RawFrame): Promise<HelloInfo> {
    if (first.type !== FRAME_HELLO) throw new FabricHelloError("first_frame_not_hello", `first frame has type 0x${first.type.toString(16)}, not HELLO`);
    let h: HelloFrame;
    try {
      h = decodeFrame(first) as HelloFrame;
    } catch (e) {
      if (e instanceof FabricDecodeError) throw new FabricHelloError("malformed", `malformed HELLO: ${e.message}`, e);
      throw e;
    }
    if (this.signing && !h.hmac) throw new FabricHelloError("unsigned_but_required", `unsigned HELLO from ${h.addr} but this pod requires a cluster secret`);
    if (!this.signing && h.hmac) throw new FabricHelloError("signed_but_unsupported", `signed HELLO from ${h.addr} but this pod has no cluster secret (asymmetric config)`);
    const skew = h.timestamp - this.nowSec();
    if (Math.abs(skew) > HELLO_MAX_SKEW_S) throw new FabricHelloError("stale_timestamp", `HELLO from ${h.addr} is ${skew} s off our clock (limit ±${HELLO_MAX_SKEW_S} s)`);
    if (h.hmac) {
      const ok = await crypto.subtle.verify("HMAC", await this.hmacKey(), h.hmac as BufferSource, h.signed as BufferSource);
      if (!ok) throw new FabricHelloError("hmac_mismatch", `HELLO from ${h.addr} has a wrong HMAC`);
    }
    return { addr: h.addr, timestamp: h.timestamp, signed: h.hmac !== null };
  }
}
