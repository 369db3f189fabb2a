// The portable relay conformance suite in its cross-shard mode against two Node relays joined by the
// REAL cluster fabric (TCP streams, signed HELLO, WHO_HAS / I_HAVE, FWD, PRESENCE), in addition to the
// in-process directory harness of relay.test.ts.
import { afterAll, beforeAll } from "vitest";
import type { RelayServer } from "../../src/node/relay-server.ts";
import { relayConformance } from "../relay/conformance.ts";
import { clusterRelay, connectWs, SECRET, until } from "./relay-cluster-harness.ts";

let pair: RelayServer[] = [];

beforeAll(async () => {
  const a = await clusterRelay({ secret: "conformance-fabric" });
  const b = await clusterRelay({ secret: "conformance-fabric", peers: [a.cluster!.addr] });
  pair = [a, b];
  await until("fabric stream", () => pair.every((r) => r.cluster!.fabric.streamCount === 1));
});
afterAll(async () => {
  await Promise.all(pair.map((s) => s.close()));
});

relayConformance("two node relays joined by the cluster fabric", {
  connect: (o) => connectWs(pair[o?.shard ?? 0]!.url),
  secret: SECRET,
  shards: 2,
});
