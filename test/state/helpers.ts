// Shared helpers for the state store tests: store factories over real LPM tables, generators over a
// small key/time space (so ties and collisions actually happen), and a naive route reference.
import fc from "fast-check";
import { encodeToString, type GossipMessage } from "../../src/gossip/index.ts";
import { createTsLpm, createWasmLpm } from "../../src/hotpath/lpm.ts";
import { parseCidr, parseIp } from "../../src/net/index.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";
import { compareGoStrings } from "../../src/gossip/index.ts";
import { MemoryStorage, StateStore, type StateSnapshot, type StateStoreOptions, type RouteMatch } from "../../src/state/index.ts";
import { endpointArb, heartbeatArb, natArb, routeArb, tombstoneArb, withV } from "../gossip/arbitraries.ts";

export const T0 = 1_700_000_000;

export const LPMS = [
  ["ts", createTsLpm],
  ["wasm", () => createWasmLpm(hotpathModule())],
] as const;

export function makeStore(opts: Partial<StateStoreOptions> = {}): StateStore {
  return new StateStore({ lpm: createTsLpm, storage: new MemoryStorage(), now: () => T0 * 1000, ownerTtlSeconds: 0, sweepIntervalMs: 0, ...opts });
}

/** Snapshot without the cursor (which counts visible changes and so depends on arrival order). */
export function state(s: StateStore): Omit<StateSnapshot, "cursor"> {
  const { cursor: _c, ...rest } = s.snapshot();
  return JSON.parse(JSON.stringify(rest)) as Omit<StateSnapshot, "cursor">;
}

const key = fc.constantFrom("a", "b", "c");
const time = fc.integer({ min: 0, max: 4 });
const name = fc.constantFrom("", "m1", "m2");
const dst = fc.constantFrom("10.0.0.1", "10.0.0.2", "fd00::1", "not-an-ip");
const subnet = fc.constantFrom("10.0.0.0/24", "10.0.0.0/8", "10.0.0.1/32", "fd15:d710:02:05:a1b2::/64", "fd15:d710:2:5:c3d4::/64");

/** Messages over a small space, with mixed V, as wire envelopes (the sender's V kept as generated). */
export const wireMessageArb: fc.Arbitrary<string> = fc
  .oneof(
    endpointArb(key, time, name).map((payload) => ({ type: 1 as const, payload })),
    tombstoneArb(key, time, name).map((payload) => ({ type: 2 as const, payload })),
    natArb(key, time, dst).map((payload) => ({ type: 3 as const, payload })),
    heartbeatArb(key, time, name, natArb(key, time, dst), endpointArb(key, time, name)).map((payload) => ({ type: 4 as const, payload })),
    routeArb(subnet, time, name).map((payload) => ({ type: 5 as const, payload })),
  )
  .map((m: GossipMessage) => withV(encodeToString(m), m.payload.v));

function inPrefix(ip: Uint8Array, p: Uint8Array, len: number): boolean {
  if (ip.length !== p.length) return false;
  for (let i = 0; i < len; i++) {
    const bit = 7 - (i & 7);
    if (((ip[i >> 3]! >> bit) & 1) !== ((p[i >> 3]! >> bit) & 1)) return false;
  }
  return true;
}

/** Naive longest-prefix match over a snapshot, with the documented precedence (routes.ts). */
export function naiveRoute(snap: StateSnapshot, ipText: string): { kind: string; key: string; len: number } | null {
  const ip = parseIp(ipText);
  let best: { kind: string; key: string; len: number; ts: number; tb: string[] } | null = null;
  const better = (c: NonNullable<typeof best>): boolean => {
    if (best === null) return true;
    if (c.len !== best.len) return c.len > best.len;
    if (c.kind !== best.kind) return c.kind === "nat";
    if (c.ts !== best.ts) return c.ts > best.ts;
    for (let i = 0; i < c.tb.length; i++) {
      const x = compareGoStrings(c.tb[i]!, best.tb[i]!);
      if (x !== 0) return x > 0;
    }
    return false;
  };
  for (const r of snap.routes) {
    const { addr, len } = parseCidr(r.subnet, { maskHostBits: true });
    const c = { kind: "subnet", key: r.subnet, len, ts: r.timestamp, tb: [r.machine_id, r.ion_id, r.subnet] };
    if (inPrefix(ip, addr, len) && better(c)) best = c;
  }
  for (const n of snap.nats) {
    let a: Uint8Array;
    try {
      a = parseIp(n.original_dst);
    } catch {
      continue;
    }
    const c = { kind: "nat", key: n.key, len: a.length * 8, ts: n.timestamp, tb: [n.key] };
    if (inPrefix(ip, a, a.length * 8) && better(c)) best = c;
  }
  return best && { kind: best.kind, key: best.key, len: best.len };
}

export function routeSummary(m: RouteMatch | null): { kind: string; key: string; len: number } | null {
  if (m === null) return null;
  const len = Number(m.prefix.slice(m.prefix.indexOf("/") + 1));
  return m.kind === "nat" ? { kind: "nat", key: m.entry.key, len } : { kind: "subnet", key: m.route.subnet, len };
}

export const PROBE_IPS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.9.9.9", "11.0.0.1", "fd00::1", "fd15:d710:2:5::1", "fd15:d710:2:6::1"];
