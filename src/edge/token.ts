// Cursor tokens of the sharded store (docs/protocols/store-api.md §3): one position per shard, as text a
// client stores and sends back without looking inside.
//
//   one shard  (N = 1):  "<p0>" as a JSON number, exactly the integer cursor of the unsharded store, so a
//                        one-shard edge hands out what it always did and old cursors stay valid;
//   N shards   (N > 1):  "<N>.<p0>.<p1>. ... .<pN-1>" as a JSON string (digits and dots: nothing to
//                        escape in a URL), pi = the last cursor of shard i the holder has seen.
//
// A well-formed token of another layout (another N) is not an error: the store answers it with a reset
// (re-snapshot), as it answers a cursor it no longer knows. Malformed text is a 400 (bad_cursor).
import { GossamerError } from "../util/index.ts";

/** Positions, one per shard, in shard order. */
export type Positions = readonly number[];

/** The most shards a token describes (STORE_SHARDS is at most this). */
export const MAX_TOKEN_SHARDS = 1024;

const POSITION = /^\d{1,15}$/;

/** Text that is not a cursor token (400 bad_cursor). */
export class CursorTokenError extends GossamerError {
  constructor(message: string) {
    super("bad_cursor", message);
  }
}

/** The token of `positions` as it goes into JSON: a number for one shard, a string otherwise. */
export function formatToken(positions: Positions): number | string {
  if (positions.length === 1) return positions[0]!;
  return `${positions.length}.${positions.join(".")}`;
}

/** The token as text (URLs, headers). */
export function tokenText(positions: Positions): string {
  return String(formatToken(positions));
}

/**
 * Parses a token for a store of `shards` shards: the positions, or "other" when it is a well-formed
 * token of another layout (answer with a reset). Throws CursorTokenError on anything else.
 */
export function parseToken(text: string, shards: number): Positions | "other" {
  if (POSITION.test(text)) return shards === 1 ? [Number(text)] : "other";
  const parts = text.split(".");
  const n = Number(parts[0]);
  if (parts.length < 3 || !/^\d{1,4}$/.test(parts[0]!) || n < 2 || n > MAX_TOKEN_SHARDS || parts.length !== n + 1) {
    throw new CursorTokenError("since must be a cursor this store issued");
  }
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = parts[i + 1]!;
    if (!POSITION.test(p)) throw new CursorTokenError("since must be a cursor this store issued");
    out[i] = Number(p);
  }
  return n === shards ? out : "other";
}

/** True when `a` has seen everything `b` has: same layout and every position at least b's. */
export function covers(a: Positions, b: Positions): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]! < b[i]!) return false;
  return true;
}
