// fast-check generators of gossip messages (shared by test/gossip and test/state).
import fc from "fast-check";
import type { EndpointMapping, EndpointTombstone, GossipMessage, NATEntry, SubnetRoute, VIPHeartbeat } from "../../src/gossip/index.ts";

const str = fc.string({ maxLength: 12, unit: "grapheme" });
const ts = fc.integer({ min: -2, max: 2_000_000_000 });
const port = fc.integer({ min: 0, max: 65535 });
/** V values: legacy, ours (filled in by the caller's choice), and foreign ones. */
export const anyV = (ours: number): fc.Arbitrary<number> => fc.constantFrom(0, ours, ours, ours, 7, 250);

export const endpointArb = (keys = str, times = ts, names = str): fc.Arbitrary<EndpointMapping> =>
  fc.record({
    v: anyV(185),
    gravity_vip: names,
    hadron_vip: names,
    container_id: keys,
    machine_id: names,
    project_id: names,
    dns_names: fc.option(fc.array(names, { maxLength: 3 }), { nil: null }),
    timestamp: times,
    sni_hostname: names,
  });

export const tombstoneArb = (keys = str, times = ts, names = str): fc.Arbitrary<EndpointTombstone> =>
  fc.record({ v: anyV(123), container_id: keys, machine_id: names, timestamp: times });

export const natArb = (keys = str, times = ts, dsts: fc.Arbitrary<string> = str): fc.Arbitrary<NATEntry> =>
  fc.record({ v: anyV(56), key: keys, original_dst: dsts, original_src: str, src_port: port, dst_port: port, timestamp: times });

const owners = (names = str, times = ts) =>
  fc.option(fc.dictionary(names, times, { maxKeys: 4 }).map((d) => Object.assign(Object.create(null) as Record<string, number>, d)), {
    nil: null,
  });

export const heartbeatArb = (keys = str, times = ts, names = str, nat = natArb(), ep = endpointArb()): fc.Arbitrary<VIPHeartbeat> =>
  fc.record({
    v: anyV(38),
    vip: keys,
    owners: owners(names, times),
    timestamp: times,
    new_nats: fc.option(fc.array(nat, { maxLength: 2 }), { nil: null }),
    new_endpoints: fc.option(fc.array(ep, { maxLength: 2 }), { nil: null }),
  });

export const routeArb = (subnets: fc.Arbitrary<string> = str, times = ts, names = str): fc.Arbitrary<SubnetRoute> =>
  fc.record({ v: anyV(231), subnet: subnets, machine_id: names, ion_id: names, timestamp: times, action: fc.constantFrom("add", "remove") });

export const messageArb = (): fc.Arbitrary<GossipMessage> =>
  fc.oneof(
    endpointArb().map((payload) => ({ type: 1 as const, payload })),
    tombstoneArb().map((payload) => ({ type: 2 as const, payload })),
    natArb().map((payload) => ({ type: 3 as const, payload })),
    heartbeatArb().map((payload) => ({ type: 4 as const, payload })),
    routeArb().map((payload) => ({ type: 5 as const, payload })),
  );

/** Encodes a message keeping the V it carries (our encode always stamps ours): for mixed-version tests. */
export function withV(encoded: string, v: number): string {
  // encode() writes `"payload":{"v":<ours>` first; replace that one occurrence (nested ones keep ours).
  return encoded.replace(/^\{"type":(\d),"payload":\{"v":\d+,?/, (_m, t: string) => (v === 0 ? `{"type":${t},"payload":{` : `{"type":${t},"payload":{"v":${v},`));
}
