// ckit peers and peer states (docs/protocols/ckit.md §4.2). A state is an unsigned integer on the
// wire: 0 viewer (never owns keys), 1 participant (owns reads and writes), 2 terminating (owns reads
// while it drains). Other numbers can arrive from the wire and are kept as numbers; they own nothing.
// The peer JSON is the shape ckit's Peer marshals to (Alloy's cluster UI reads it): keys name, addr,
// isSelf, state, with Go's encoding/json escaping, so our bytes equal ckit's.
import { CkitDecodeError, CkitErrorCode } from "./errors.ts";

export const PeerState = { viewer: 0, participant: 1, terminating: 2 } as const;
/** A known state (what ChangeState and flags accept). Peers carry `number`: unknown values may arrive. */
export type KnownPeerState = (typeof PeerState)[keyof typeof PeerState];
export type PeerStateName = keyof typeof PeerState;

/** All known states, in numeric order (metrics report one series per state). */
export const ALL_STATES: readonly KnownPeerState[] = [0, 1, 2];

export interface Peer {
  /** Unique across the cluster. */
  readonly name: string;
  /** host:port the peer is reached at (its memberlist address). */
  readonly addr: string;
  /** True for the local node. */
  readonly self: boolean;
  readonly state: number;
}

/** ckit's State.String(): the name, or `<unknown state N>`. */
export function stateName(s: number): string {
  switch (s) {
    case 0:
      return "viewer";
    case 1:
      return "participant";
    case 2:
      return "terminating";
    default:
      return `<unknown state ${s}>`;
  }
}

/** The state for a name; case-sensitive as in ckit. Throws CkitDecodeError(`unknown state "x"`). */
export function parseState(s: string): KnownPeerState {
  if (s === "viewer" || s === "participant" || s === "terminating") return PeerState[s];
  throw new CkitDecodeError(CkitErrorCode.badPeer, `unknown state ${goQuote(s)}`);
}

export function isKnownState(s: number): s is KnownPeerState {
  return s === 0 || s === 1 || s === 2;
}

/** JSON of one peer, byte-identical to Go's json.Marshal(peer.Peer). */
export function peerJSON(p: Peer): string {
  return `{"name":${goJsonString(p.name)},"addr":${goJsonString(p.addr)},"isSelf":${p.self ? "true" : "false"},"state":${goJsonString(stateName(p.state))}}`;
}

/** JSON of a peer list (null for "no list", as Go marshals a nil slice). */
export function peersJSON(ps: readonly Peer[] | null): string {
  return ps === null ? "null" : `[${ps.map(peerJSON).join(",")}]`;
}

/**
 * A string as Go's encoding/json writes it (Go 1.19, HTML escaping on): JSON.stringify, plus <, >, &,
 * U+2028 and U+2029 as \u escapes, and \b, \f as \u0008, \u000c.
 */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029\b\f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Go's %q for the strings we quote in errors (printable ASCII as is, the rest escaped like JSON). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Parses one peer as ckit's Peer.UnmarshalJSON does: keys matched ignoring case (Go's rule), unknown keys
 * ignored, later duplicates win, and the state must be a known name (a missing state
 * is `unknown state ""`). Throws CkitDecodeError (code ckit.bad_peer) on anything else.
 */
export function parsePeerJSON(text: string): Peer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CkitDecodeError(CkitErrorCode.badPeer, `peer JSON: ${(err as Error).message}`, { cause: err });
  }
  if (v === null) return { name: "", addr: "", self: false, state: parseState("") };
  if (typeof v !== "object" || Array.isArray(v)) throw new CkitDecodeError(CkitErrorCode.badPeer, "peer JSON: not an object");
  const obj = v as Record<string, unknown>;
  // Go assigns every key that matches a field (exactly or ignoring case) in document order: last wins.
  const field = (tag: string): unknown => {
    let found: unknown;
    for (const k of Object.keys(obj)) if (k.toLowerCase() === tag.toLowerCase()) found = obj[k];
    return found;
  };
  const str = (tag: string): string => {
    const x = field(tag);
    if (x === undefined || x === null) return "";
    if (typeof x !== "string") throw new CkitDecodeError(CkitErrorCode.badPeer, `peer JSON: ${tag} is not a string`);
    return x;
  };
  const selfV = field("isSelf");
  if (selfV !== undefined && selfV !== null && typeof selfV !== "boolean") throw new CkitDecodeError(CkitErrorCode.badPeer, "peer JSON: isSelf is not a bool");
  const name = str("name");
  const addr = str("addr");
  const state = parseState(str("state"));
  return { name, addr, self: selfV === true, state };
}

/** Two peer lists equal element by element (ckit's peersEqual: same order, same fields). */
export function peersEqual(a: readonly Peer[], b: readonly Peer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.addr !== y.addr || x.self !== y.self || x.state !== y.state) return false;
  }
  return true;
}

/**
 * Orders names as Go compares strings (by UTF-8 bytes, i.e. by code point). UTF-16 code-unit order
 * agrees except where a surrogate (astral character) meets U+E000..U+FFFF, which this corrects.
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x < 0xe000;
      const ys = y < 0xe000;
      if (xs !== ys) return xs ? 1 : -1; // a surrogate starts a code point above U+FFFF
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
