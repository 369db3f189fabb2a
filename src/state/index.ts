// Replicated Gravity gossip state store (portable): see store.ts for the API, merge.ts for the rules,
// storage.ts for the persistence contract, routes.ts for route precedence.
export { StateStore } from "./store.ts";
export type { StateStoreOptions, Change, ApplyResult, StateSnapshot, DeltaResult, SchemaMismatchCount, StoreInput } from "./types.ts";
export { MemoryStorage } from "./storage.ts";
export type { StateStorage, StoredRow, StoredMeta, RowKey, RecordKind } from "./storage.ts";
export { NO_ROUTE, maskedPrefix, subnetKey } from "./routes.ts";
export type { LpmLike, LpmFactory, RouteMatch } from "./routes.ts";
export { StateRejectError, StateStorageError } from "./errors.ts";
export type { StateRejectReason } from "./errors.ts";
