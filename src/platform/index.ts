// The platform seam (see types.ts). Runtimes build a Platform once; subsystems take it in their factories.
export type { Platform, PlatformHotpath, HotpathUse, StorageFactory } from "./types.ts";
export { createPlatformHotpath, HOTPATH_CHOICE, type WasmSource } from "./hotpath.ts";
export { simPlatform, type SimPlatformOptions } from "./sim.ts";
export { MemoryStorage, memoryStorageFactory, checkRow, checkStorageName, STORAGE_NAME, STATE_STORAGE_NAME } from "./storage.ts";
export type { StateStorage, CursorStorage, StoredRow, StoredMeta, RowKey, RecordKind } from "./storage.ts";
