// /healthz's view of the hot path: whether the platform's Wasm routines loaded (the module wrangler
// bundled, instantiated once per isolate through the platform) and their build id.
import type { Platform } from "../src/platform/index.ts";

export interface HotpathHealth {
  loaded: boolean;
  buildId: number | null;
  error?: string;
}

export function hotpathHealth(platform: Platform): HotpathHealth {
  const hp = platform.hotpath.wasm;
  if (!hp) return { loaded: false, buildId: null, error: platform.hotpath.wasmError ?? "not loaded" };
  return { loaded: true, buildId: hp.buildId };
}
