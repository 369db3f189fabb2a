// Runs the StateStorage conformance suite against Durable Object SQLite in workerd: each test gets its own
// GossipStore object; every open() is a new SqlStateStorage adapter on that object's storage.
import { env, runInDurableObject } from "cloudflare:test";
import { SqlStateStorage } from "../../worker/sql-storage.ts";
import { storageConformance } from "../state/storage-conformance.ts";

let n = 0;
storageConformance("Durable Object SQLite", {
  withStorage(fn) {
    const stub = env.GOSSIP_STORE.getByName(`conformance-${n++}-${Date.now()}`);
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
