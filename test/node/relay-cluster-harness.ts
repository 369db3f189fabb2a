// Shared helpers for the cluster fabric tests: relays joined by the real TCP fabric (in-process
// serveRelay instances on loopback), real `ws` relay clients that record what they receive, and a
// condition wait (no timing assertions: waits only bound how long a test may hang).
import WebSocket from "ws";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient } from "../../src/relay/client.ts";
import type { WebSocketLike } from "../../src/relay/client.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import type { PeerIdString } from "../../src/relay/peer-id.ts";
import { serveRelay } from "../../src/node/relay-server.ts";
import type { RelayServer } from "../../src/node/relay-server.ts";
import type { RelayClusterOptions } from "../../src/node/relay-cluster.ts";
import { renderPrometheus } from "../../src/util/index.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

export const SECRET = "cluster-test-relay-secret";

export function connectWs(url: string): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws as unknown as WebSocketLike));
    ws.once("error", reject);
  });
}

/** Waits until `cond` holds (the shared waitUntil, with the fabric tests' longer default bound). */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  await waitUntil(what, cond, { timeout: ms });
}

/** A relay joined to the cluster on loopback (cluster port picked by the OS). */
export function clusterRelay(cluster: Partial<RelayClusterOptions> = {}): Promise<RelayServer> {
  // Unsigned test clusters say so (a fabric without a secret refuses to start otherwise).
  return serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: SECRET, cluster: { listen: "127.0.0.1:0", ...(cluster.secret ? {} : { insecure: true }), ...cluster } });
}

export interface TestPeer {
  c: RelayClient;
  key: PeerIdString;
  id: Uint8Array;
  /** "msg:<from>:<payload>", "on:<id>", "off:<id>" in arrival order. */
  log: string[];
}

let n = 0;
export async function testPeer(relay: RelayServer, name = `peer-${process.pid}-${n++}-${Math.random()}`): Promise<TestPeer> {
  const id = await peerIdFromPublicKey(name);
  const c = await RelayClient.connect(await connectWs(relay.url), { peerId: id, token: await issueToken(SECRET), serverSilenceMs: false });
  const log: string[] = [];
  const dec = new TextDecoder();
  c.onMessage((from, payload) => log.push(`msg:${peerIdToString(from.slice())}:${dec.decode(payload)}`));
  c.onPeersOnline((ids) => log.push(...ids.map((i) => `on:${i}`)));
  c.onPeersOffline((ids) => log.push(...ids.map((i) => `off:${i}`)));
  return { c, key: peerIdToString(id), id, log };
}

export async function metrics(relay: RelayServer): Promise<string> {
  return renderPrometheus(await relay.metrics());
}

/** Value of one sample line (`name{labels}`), 0 when absent. */
export function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
