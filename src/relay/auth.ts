// Relay auth tokens ("v2", HMAC): the relay and management share a secret S; both use K = SHA-256(S)
// (the raw 32-byte digest) as the HMAC-SHA256 key. Token = [algo u8 = 1][HMAC-SHA256(K, payload) 32]
// [payload = ASCII decimal Unix expiry in seconds, >= 10 chars]. No peer binding (upstream has none).
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

export interface TokenOptions {
  /** Expiry as Unix seconds; default now + 12 h (upstream CredentialsTTL). */
  expiresAt?: number;
  /** Wall clock in ms, for the default expiry. */
  wallNow?: () => number;
}

/** Issues a relay auth token for `secret` (what NetBird management hands to clients). */
export async function issueToken(secret: string | Uint8Array, opts: TokenOptions = {}): Promise<Uint8Array> {
  const now = (opts.wallNow ?? Date.now)();
  const expiry = opts.expiresAt ?? Math.floor(now / 1000) + DEFAULT_TOKEN_TTL_S;
  return signTokenPayload(await hmacKey(secret), enc.encode(String(Math.floor(expiry)).padStart(AUTH_MIN_PAYLOAD_SIZE, "0")));
}

async function signTokenPayload(key: CryptoKey, payload: Uint8Array): Promise<Uint8Array> {
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, payload as BufferSource));
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

/** What the relay core needs from an authenticator: resolve to accept, reject with RelayAuthError. */
export interface RelayAuthenticator {
  validate(token: Uint8Array): Promise<void>;
}

/** Validates tokens for one secret. The HMAC key is derived once and cached. */
export class TokenValidator implements RelayAuthenticator {
  private readonly key: Promise<CryptoKey>;
  private readonly wallNow: () => number;

  constructor(secret: string | Uint8Array, wallNow: () => number = Date.now) {
    this.key = hmacKey(secret);
    this.wallNow = wallNow;
  }

  async validate(token: Uint8Array): Promise<void> {
    const t = parseToken(token);
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", await this.key, t.payload as BufferSource));
    if (!timingSafeEqual(expected, t.signature)) throw new RelayAuthError("signature", "token signature mismatch");
    if (Math.floor(this.wallNow() / 1000) > t.expiry) throw new RelayAuthError("expired", "token expired");
  }

  /** Issues a token with this validator's key (tests, management-side tooling). */
  async issue(expiresAt?: number): Promise<Uint8Array> {
    const expiry = expiresAt ?? Math.floor(this.wallNow() / 1000) + DEFAULT_TOKEN_TTL_S;
    return signTokenPayload(await this.key, enc.encode(String(Math.floor(expiry)).padStart(AUTH_MIN_PAYLOAD_SIZE, "0")));
  }
}
