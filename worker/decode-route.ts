// POST /v1/gossip/decode: decodes one Gravity envelope with src/gossip and reports the message and
// whether its schema V matches ours. Stateless, unauthenticated (nothing is stored). Typed decode
// errors become 400 JSON { error: { code, message, offset?, field? } }; bodies over 1 MiB are 413 (checked
// while reading, so a chunked body is never buffered past the limit).
import type { Context } from "hono";
import { readBodyLimited } from "../src/api/index.ts";
import { GossipDecodeError, createGossipSchema, decode } from "../src/gossip/index.ts";
import type { Env } from "./env.ts";
import { platformFor } from "./platform.ts";

export const MAX_DECODE_BODY = 1 << 20;

export async function decodeRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const body = await readBodyLimited(c.req.raw, MAX_DECODE_BODY);
  if (body === null) return c.json({ error: { code: "gossip.decode.too_large", message: "body over 1 MiB" } }, 413);
  const ours = createGossipSchema(platformFor(c.env));
  try {
    const m = decode(body, { maxBytes: MAX_DECODE_BODY, schema: ours });
    const { raw: _raw, schema, mismatches, ...message } = m;
    const remoteV = (m.payload as { v?: number }).v ?? 0;
    return c.json({
      message,
      v: { remote: remoteV, local: ours.localV(m.type), matches: schema === "current" && mismatches.length === 0, status: schema },
      mismatches,
    });
  } catch (e) {
    if (e instanceof GossipDecodeError) {
      const status = e.reason === "too_large" ? 413 : 400;
      return c.json({ error: { code: e.code, message: e.message, offset: e.offset, field: e.field } }, status);
    }
    throw e;
  }
}
