// The store API conformance suite (test/api/store-conformance.ts) against the Node agent's HTTP listener
// (src/node/agent-http.ts: the store API module on @hono/node-server, watch over the ws package), on a
// loopback port; a restart closes the listener and reopens a store on the same storage.
import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { serveAgentHttp, type AgentHttpServer } from "../../src/node/agent-http.ts";
import { MemoryStorage, StateStore } from "../../src/state/index.ts";
import { createTsLpm } from "../../src/hotpath/index.ts";
import { MetricsRegistry, nullLogger } from "../../src/util/index.ts";
import { storeApiConformance, type WatchClient } from "./store-conformance.ts";

const TOKEN = "conformance-token";
const storage = new MemoryStorage();
let server: AgentHttpServer;
let base = "";

async function start(): Promise<void> {
  const store = new StateStore({ lpm: createTsLpm, storage });
  const self = { name: "c", addr: "127.0.0.1", port: 1, meta: new Uint8Array(0), state: 0, incarnation: 0, vsn: [1, 5, 5, 0, 0, 0] } as never;
  server = await serveAgentHttp(
    "127.0.0.1:0",
    { members: () => [], localMember: () => self, metrics: async () => ({ contentType: "text/plain", body: "" }), store, registry: new MetricsRegistry(), token: TOKEN },
    nullLogger,
  );
  const a = server.address();
  base = `http://${a.host}:${a.port}`;
}

beforeAll(start);
afterAll(() => server.close());

storeApiConformance("Node agent (agent-http.ts)", {
  fetch: (path, init = {}) => fetch(base + path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${TOKEN}` } }),
  watch(query): Promise<WatchClient> {
    const ws = new WebSocket(`${base.replace("http", "ws")}/v1/watch${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const frames: unknown[] = [];
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.on("message", (d) => {
      const t = d.toString();
      frames.push(t === "pong" ? t : JSON.parse(t));
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve({ frames, closed, send: (t) => ws.send(t), close: () => ws.close() }));
      ws.once("error", reject);
    });
  },
  async restart() {
    await server.close();
    await start();
  },
});
