// Replicated Gravity gossip state store (portable): see store.ts for the API, merge.ts for the rules,
// the platform's storage seam (src/platform/storage.ts) for the persistence contract, sql.ts for the SQL
// layout, routes.ts for route precedence. Runtimes build stores with createStateStore(platform): the
// platform supplies the storage, the LPM table (its hot path), the schema hash, the wall clock and the
// logger.
import { createGossipSchema } from "../gossip/index.ts";
import { STATE_STORAGE_NAME, type Platform, type StateStorage } from "../platform/index.ts";
import { StateStore } from "./store.ts";
import type { StateStoreOptions } from "./types.ts";

export { StateStore } from "./store.ts";
export type { StateStoreOptions, Change, ApplyResult, StateSnapshot, DeltaResult, SchemaMismatchCount, StoreInput } from "./types.ts";
export { MemoryStorage, checkRow, STATE_STORAGE_NAME } from "../platform/index.ts";
export type { StateStorage, CursorStorage, StoredRow, StoredMeta, RowKey, RecordKind } from "../platform/index.ts";
export * as stateSql from "./sql.ts";
export type { SqlArg, SqlRow } from "./sql.ts";
export { NO_ROUTE, RouteIndex, maskedPrefix, subnetKey } from "./routes.ts";
export type { LpmLike, LpmFactory, RouteMatch } from "./routes.ts";
export { StateRejectError, StateStorageError } from "./errors.ts";
export type { StateRejectReason } from "./errors.ts";

export interface CreateStateStoreOptions extends Omit<StateStoreOptions, "lpm" | "schema" | "now" | "logger" | "storage"> {
  /** A storage name opened through platform.storage (default STATE_STORAGE_NAME), or a storage to use as is. */
  storage?: string | StateStorage;
}

/**
 * A state store on `platform`: storage from platform.storage, routes on platform.hotpath.lpm(), schema V
 * from the platform's "schema-hash" routine, platform.wallClock and platform.logger.
 */
export function createStateStore(platform: Platform, options: CreateStateStoreOptions = {}): StateStore {
  const { storage, ...rest } = options;
  return new StateStore({
    ...rest,
    storage: typeof storage === "object" ? storage : platform.storage.open(storage ?? STATE_STORAGE_NAME),
    lpm: () => platform.hotpath.lpm(),
    schema: createGossipSchema(platform),
    now: platform.wallClock,
    logger: platform.logger.child({ component: "state" }),
  });
}
