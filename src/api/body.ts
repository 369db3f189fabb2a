// Request bodies read with a running size check: a declared Content-Length over the limit is refused
// before reading, and a chunked (or lying) body is read chunk by chunk and cancelled as soon as the
// bytes received pass the limit, so no more than limit + one chunk is ever held. Web Streams only
// (Request.body), the same in workerd and under @hono/node-server.

/** The body, or null when it is (declared or found to be) larger than `max` bytes. */
export async function readBodyLimited(req: Request, max: number): Promise<Uint8Array | null> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) return null;
  const body = req.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel("body over the limit").catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
