// Real-time Node platforms for the ckit/pools tests: testPlatform (nodePlatform, quiet) under the name
// those tests use.
import type { Platform } from "../../src/platform/index.ts";
import type { Logger } from "../../src/util/index.ts";
import { testPlatform } from "./platform.ts";

export function testNodePlatform(o: { logger?: Logger; wasm?: boolean } = {}): Platform {
  return testPlatform({ ...(o.logger ? { logger: o.logger } : {}), ...(o.wasm === false ? { wasm: false } : {}) });
}
