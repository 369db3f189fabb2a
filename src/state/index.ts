// Replicated Gravity gossip state store (portable): see store.ts for the API, merge.ts for the rules,
// storage.ts for the persistence contract, sql.ts for the SQL layout, routes.ts for route precedence.
export { StateStore } from "./store.ts";
export type { StateStoreOptions, Change, ApplyResult, StateSnapshot, DeltaResult, SchemaMismatchCount, StoreInput } from "./types.ts";
export { MemoryStorage, checkRow } from "./storage.ts";
export type { StateStorage, CursorStorage, StoredRow, StoredMeta, RowKey, RecordKind } from "./storage.ts";
export * as stateSql from "./sql.ts";
export type { SqlRow } from "./sql.ts";
export { NO_ROUTE, maskedPrefix, subnetKey } from "./routes.ts";
export type { LpmLike, LpmFactory, RouteMatch } from "./routes.ts";
export { StateRejectError, StateStorageError } from "./errors.ts";
export type { StateRejectReason } from "./errors.ts";
