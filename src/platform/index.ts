// The platform seam (see types.ts). Runtimes build a Platform once; subsystems take it in their factories.
export type { Platform, PlatformHotpath, HotpathUse, StorageFactory } from "./types.ts";
export { createPlatformHotpath, HOTPATH_CHOICE } from "./hotpath.ts";
export { simPlatform, memoryStorageFactory, type SimPlatformOptions } from "./sim.ts";
