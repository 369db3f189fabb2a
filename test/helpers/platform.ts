// The Node platform as in-process tests use it: quiet by default (nullLogger), otherwise nodePlatform as
// the CLI builds it (system clock, the Wasm hot path, a fresh metrics registry per call). One platform per
// served relay or agent: /metrics renders the platform's registry.
import { nodePlatform, type NodePlatformOptions } from "../../src/node/index.ts";
import type { Platform } from "../../src/platform/index.ts";
import { nullLogger } from "../../src/util/index.ts";

export function testPlatform(o: NodePlatformOptions = {}): Platform {
  return nodePlatform({ logger: nullLogger, ...o });
}
