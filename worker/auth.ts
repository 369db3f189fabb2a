// Bearer-token check for the state-store API. The comparison runs over SHA-256 digests of both sides,
// so its time depends on neither the token's content nor its length.
const enc = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
}

/** True when `header` is exactly `Bearer <expected>` (scheme case-insensitive). */
export async function bearerMatches(header: string | null | undefined, expected: string): Promise<boolean> {
  if (!header || !expected) return false;
  const m = /^Bearer[ ]+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const [a, b] = await Promise.all([digest(m[1]!), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
