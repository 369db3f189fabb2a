// The one JSON error shape of every HTTP API in gossamer: {"error":{"code","message", ...details}}, with
// the typed error's stable code (gossip.decode.*, state.reject.*, ip.*) and, for decoders, the byte
// offset, field path or batch index of the bad input.
import { GossipDecodeError } from "../gossip/index.ts";
import { StateRejectError } from "../state/index.ts";
import { GossamerError } from "../util/index.ts";

export interface ErrorBody {
  code: string;
  message: string;
  offset?: number;
  field?: string;
  index?: number;
}

export function errorBody(e: GossamerError): ErrorBody {
  const out: ErrorBody = { code: e.code, message: e.message };
  if (e.offset !== undefined) out.offset = e.offset;
  if (e instanceof GossipDecodeError && e.field !== undefined) out.field = e.field;
  if (e instanceof StateRejectError && e.index !== undefined) out.index = e.index;
  return out;
}

/** A JSON error response in the shared shape. */
export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { "content-type": "application/json", ...headers } });
}
