// Relay auth tokens ("v2", HMAC): the relay and management share a secret S; both use K = SHA-256(S)
// (the raw 32-byte digest) as the HMAC-SHA256 key. Token = [algo u8 = 1][HMAC-SHA256(K, signed) 32]
// [payload = ASCII decimal Unix expiry in seconds, >= 10 chars]. Two modes (docs/security.md):
// - "netbird" (default, upstream-compatible): signed = payload. The token is not bound to a peer: any
//   holder may authenticate as ANY peer ID, and so take over another peer's session (a newer connection
//   replaces the older one).
// - "peer-bound" (opt-in): signed = payload ‖ "|" ‖ the 36-byte peer ID the token is for. The relay checks
//   the MAC over the peer ID of the auth message, so a token authenticates exactly one peer. Management
//   must issue such tokens (issueToken(secret, { peerId })); unbound tokens are refused in this mode.
// The wire format is the same in both modes (clients carry the token opaquely).
// Validation: algo, payload length and digits, signature (constant-time compare), then expiry.
// Web Crypto only, so it runs unchanged in Node and workerd.
import { AUTH_ALGO_HMAC_SHA256, AUTH_MIN_PAYLOAD_SIZE, AUTH_SIGNATURE_SIZE, DEFAULT_TOKEN_TTL_S } from "./protocol.ts";
import { RelayAuthError } from "./errors.ts";
import { timingSafeEqual } from "../util/index.ts";

const enc = new TextEncoder();

async function hmacKey(secret: string | Uint8Array): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? enc.encode(secret) : secret;
  const k = await crypto.subtle.digest("SHA-256", raw as BufferSource);
  return crypto.subtle.importKey("raw", k, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** How tokens relate to peer IDs (see the header). */
export type RelayTokenMode = "netbird" | "peer-bound";
export const RELAY_TOKEN_MODES: readonly RelayTokenMode[] = ["netbird", "peer-bound"];

export function isRelayTokenMode(s: string): s is RelayTokenMode {
  return (RELAY_TOKEN_MODES as readonly string[]).includes(s);
}

/** Separator between the expiry digits and the peer ID in a peer-bound token's signed bytes. */
const BIND_SEPARATOR = 0x7c; // "|"

export interface TokenOptions {
  /** Expiry as Unix seconds; default now + 12 h (upstream CredentialsTTL). */
  expiresAt?: number;
  /** Wall clock in ms, for the default expiry. */
  wallNow?: () => number;
  /** The 36-byte peer ID to bind the token to (peer-bound mode); unset = an unbound NetBird token. */
  peerId?: Uint8Array;
}

/** Issues a relay auth token for `secret` (what NetBird management hands to clients). */
export async function issueToken(secret: string | Uint8Array, opts: TokenOptions = {}): Promise<Uint8Array> {
  const now = (opts.wallNow ?? Date.now)();
  const expiry = opts.expiresAt ?? Math.floor(now / 1000) + DEFAULT_TOKEN_TTL_S;
  return signTokenPayload(await hmacKey(secret), enc.encode(String(Math.floor(expiry)).padStart(AUTH_MIN_PAYLOAD_SIZE, "0")), opts.peerId);
}

/** The bytes the MAC covers: the payload, and for a peer-bound token "|" and the peer ID. */
function signedBytes(payload: Uint8Array, peerId: Uint8Array | undefined): Uint8Array {
  if (!peerId) return payload;
  const b = new Uint8Array(payload.length + 1 + peerId.length);
  b.set(payload);
  b[payload.length] = BIND_SEPARATOR;
  b.set(peerId, payload.length + 1);
  return b;
}

async function signTokenPayload(key: CryptoKey, payload: Uint8Array, peerId?: Uint8Array): Promise<Uint8Array> {
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, signedBytes(payload, peerId) as BufferSource));
  const token = new Uint8Array(1 + AUTH_SIGNATURE_SIZE + payload.length);
  token[0] = AUTH_ALGO_HMAC_SHA256;
  token.set(sig, 1);
  token.set(payload, 1 + AUTH_SIGNATURE_SIZE);
  return token;
}

/** Parsed token (no signature check). Throws RelayAuthError("malformed"|"algo"). */
export function parseToken(token: Uint8Array): { algo: number; signature: Uint8Array; payload: Uint8Array; expiry: number } {
  if (token.length < 1) throw new RelayAuthError("malformed", "empty token");
  const algo = token[0]!;
  if (algo !== AUTH_ALGO_HMAC_SHA256) throw new RelayAuthError("algo", `unsupported token algorithm ${algo}`);
  if (token.length < 1 + AUTH_SIGNATURE_SIZE + AUTH_MIN_PAYLOAD_SIZE) {
    throw new RelayAuthError("malformed", `token of ${token.length} bytes is too short`);
  }
  const signature = token.subarray(1, 1 + AUTH_SIGNATURE_SIZE);
  const payload = token.subarray(1 + AUTH_SIGNATURE_SIZE);
  let expiry = 0;
  for (const c of payload) {
    if (c < 0x30 || c > 0x39) throw new RelayAuthError("malformed", "token expiry is not a decimal number");
    expiry = expiry * 10 + (c - 0x30);
  }
  if (!Number.isSafeInteger(expiry)) throw new RelayAuthError("malformed", "token expiry out of range");
  return { algo, signature, payload, expiry };
}

/**
 * What the relay core needs from an authenticator: resolve to accept, reject with RelayAuthError.
 * `peerId` is the 36-byte ID the auth message claims (a peer-bound validator checks the token against it).
 */
export interface RelayAuthenticator {
  validate(token: Uint8Array, peerId?: Uint8Array): Promise<void>;
}

/** Validates tokens for one secret in one mode (default "netbird"). The HMAC key is derived once. */
export class TokenValidator implements RelayAuthenticator {
  readonly mode: RelayTokenMode;
  private readonly key: Promise<CryptoKey>;
  private readonly wallNow: () => number;

  constructor(secret: string | Uint8Array, wallNow: () => number = Date.now, mode: RelayTokenMode = "netbird") {
    this.key = hmacKey(secret);
    this.wallNow = wallNow;
    this.mode = mode;
  }

  async validate(token: Uint8Array, peerId?: Uint8Array): Promise<void> {
    const t = parseToken(token);
    let bound: Uint8Array | undefined;
    if (this.mode === "peer-bound") {
      if (!peerId || peerId.length === 0) throw new RelayAuthError("peer", "peer-bound tokens need the peer ID of the auth message");
      bound = peerId;
    }
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", await this.key, signedBytes(t.payload, bound) as BufferSource));
    if (!timingSafeEqual(expected, t.signature)) {
      throw new RelayAuthError("signature", bound ? "token signature mismatch (or the token is not bound to this peer ID)" : "token signature mismatch");
    }
    if (Math.floor(this.wallNow() / 1000) > t.expiry) throw new RelayAuthError("expired", "token expired");
  }

  /** Issues a token with this validator's key (tests, management-side tooling); bound when `peerId` is given. */
  async issue(expiresAt?: number, peerId?: Uint8Array): Promise<Uint8Array> {
    const expiry = expiresAt ?? Math.floor(this.wallNow() / 1000) + DEFAULT_TOKEN_TTL_S;
    return signTokenPayload(await this.key, enc.encode(String(Math.floor(expiry)).padStart(AUTH_MIN_PAYLOAD_SIZE, "0")), peerId);
  }
}
