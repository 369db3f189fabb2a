// Bearer-token check for the store API (worker and agent alike). The comparison runs over SHA-256 digests
// of both sides, so its time depends on neither the token's content nor its length.
import { timingSafeEqual } from "../util/index.ts";

const enc = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
}

/**
 * The configured token's digest, kept per isolate (per token value) instead of hashed on every request.
 * The settled bytes are kept, not the promise: workerd ties pending I/O to the request that started it.
 */
let cached: { token: string; digest: Uint8Array } | undefined;
async function expectedDigest(token: string): Promise<Uint8Array> {
  if (cached?.token === token) return cached.digest;
  const d = await digest(token);
  cached = { token, digest: d };
  return d;
}

/** True when `header` is exactly `Bearer <expected>` (scheme case-insensitive). */
export async function bearerMatches(header: string | null | undefined, expected: string): Promise<boolean> {
  if (!header || !expected) return false;
  const m = /^Bearer[ ]+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const [a, b] = await Promise.all([digest(m[1]!), expectedDigest(expected)]);
  return timingSafeEqual(a, b);
}

let cachedSync: { token: string; digest: Uint8Array } | undefined;

/**
 * bearerMatches with a synchronous SHA-256 (a platform's hot-path routine): the same constant-time check
 * over digests, without a promise or an event-loop turn per request (the worker's store routes, where the
 * check is most of what a route lookup costs otherwise).
 */
export function bearerMatchesSync(header: string | null | undefined, expected: string, sha256: (data: Uint8Array) => Uint8Array): boolean {
  if (!header || !expected) return false;
  const m = /^Bearer[ ]+(.+)$/i.exec(header.trim());
  if (!m) return false;
  if (cachedSync?.token !== expected) cachedSync = { token: expected, digest: sha256(enc.encode(expected)).slice() };
  return timingSafeEqual(sha256(enc.encode(m[1]!)), cachedSync.digest);
}
