// Runs the StateStorage conformance suite against Durable Object SQLite in workerd: each test gets its own
// GossipStore object; every open() is a new SqlStateStorage adapter on that object's storage. It runs on
// objects of the unsharded store's kind and on shard objects of a sharded store (STORE_SHARDS = 4, the
// names worker/store-layout.ts gives them).
import { env, runInDurableObject } from "cloudflare:test";
import { SqlStateStorage } from "../../worker/sql-storage.ts";
import { shardObjectName } from "../../worker/store-layout.ts";
import { storageConformance } from "../state/storage-conformance.ts";

let n = 0;
for (const [label, name] of [
  ["Durable Object SQLite", () => `conformance-${n++}-${Date.now()}`],
  ["Durable Object SQLite, store shard objects (STORE_SHARDS = 4)", () => shardObjectName(4, n++ % 4)],
] as const) {
  storageConformance(label, {
    withStorage(fn) {
      const stub = env.GOSSIP_STORE.getByName(name());
      return runInDurableObject(stub, (_obj, state) => {
        // The object's own store created the tables already; start from empty rows for the suite.
        state.storage.sql.exec("DELETE FROM gossip_records");
        state.storage.sql.exec("DELETE FROM gossip_meta");
        return fn(
          () => new SqlStateStorage(state.storage),
          (query, ...params) => void state.storage.sql.exec(query, ...params).toArray(),
        );
      });
    },
  });
}
