// The store API conformance suite (test/api/store-conformance.ts) in workerd, against the worker with one
// store object (STORE_SHARDS = 1, the wrangler.toml default, through SELF) and with a sharded store
// (STORE_SHARDS = 4: the worker's fetch handler called with those bindings). A restart of the sharded
// store restarts its shards one at a time (and then all at once) and checks nothing acknowledged is lost.
import { createExecutionContext, env, evictDurableObject, SELF, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../worker/index.ts";
import { shardObjectName } from "../../worker/store-layout.ts";
import { storeApiConformance, type StoreApiHarness, type WatchClient } from "../api/store-conformance.ts";

const auth = { authorization: `Bearer ${env.STORE_TOKEN}` };

function watchClient(res: Response): WatchClient {
  const ws = res.webSocket;
  if (!ws) throw new Error(`watch refused: HTTP ${res.status}`);
  const frames: unknown[] = [];
  const closed = new Promise<number>((r) => ws.addEventListener("close", (ev) => r(ev.code)));
  ws.addEventListener("message", (ev) => {
    const t = String(ev.data);
    frames.push(t === "pong" ? t : JSON.parse(t));
  });
  ws.accept();
  return { frames, closed, send: (t) => ws.send(t), close: () => ws.close(1000, "done") };
}

function harness(fetcher: (req: Request) => Promise<Response>, shards: number): StoreApiHarness {
  return {
    fetch: (path, init = {}) => fetcher(new Request(`http://x${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...auth } })),
    watch: async (query) => watchClient(await fetcher(new Request(`http://x/v1/watch${query}`, { headers: { ...auth, upgrade: "websocket" } }))),
    async restart() {
      for (let i = 0; i < shards; i++) await evictDurableObject(env.GOSSIP_STORE.getByName(shardObjectName(shards, i)));
    },
  };
}

storeApiConformance("worker, one store object", harness((req) => SELF.fetch(req), 1));

const env4 = { ...env, STORE_SHARDS: "4" };
storeApiConformance(
  "worker, STORE_SHARDS = 4",
  harness(async (req) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(req, env4, ctx);
    if (res.status !== 101) await waitOnExecutionContext(ctx);
    return res;
  }, 4),
);
