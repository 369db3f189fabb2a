// UDP solicitation (docs/protocols/meshage.md §4): while a node has fewer links than its degree it
// broadcasts the ASCII datagram `meshage:<namespace>:<name>` (no framing, no gob) to the mesh port, then
// sleeps a random whole number of seconds in 0 .. 2^k - 1, k = 1, 2, ... capped at 7. Listeners split
// the datagram on ":" and need exactly three parts; other namespaces and their own name are ignored.
import { SOLICIT_BACKOFF_MAX, SOLICIT_LIMIT, SOLICIT_PREFIX, SOLICIT_RATIO } from "./constants.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function solicitationPayload(namespace: string, name: string): Uint8Array {
  return enc.encode(`${SOLICIT_PREFIX}:${namespace}:${name}`);
}

/** The (namespace, name) of a solicitation, or null when malformed (minimega logs and drops those). */
export function parseSolicitation(payload: Uint8Array): { namespace: string; name: string } | null {
  if (payload.length > 1024) return null; // minimega reads at most 1024 bytes
  const parts = dec.decode(payload).split(":");
  if (parts.length !== 3 || parts[0] !== SOLICIT_PREFIX || parts[2] === "") return null;
  return { namespace: parts[1]!, name: parts[2]! };
}

/** Seconds to sleep after a solicitation sent with backoff exponent k. */
export function backoffSeconds(k: number, random: () => number): number {
  return Math.floor(random() * 2 ** Math.min(k, SOLICIT_BACKOFF_MAX));
}

/** The anti-stampede rule: with more than SOLICIT_LIMIT clients, answer with probability 1/SOLICIT_RATIO. */
export function shouldAnswer(clients: number, random: () => number): boolean {
  return clients <= SOLICIT_LIMIT || Math.floor(random() * SOLICIT_RATIO) === 0;
}
