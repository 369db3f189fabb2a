// The hot path as the worker sees it: one instance per isolate, created on first use from the module
// wrangler bundled (Workers cannot compile Wasm from bytes). /healthz reports whether it loaded.
import { instantiateHotpath, type HotpathExports } from "../src/hotpath/wasm.ts";
import { hotpathModule } from "./hotpath.ts";

let instance: HotpathExports | null = null;
let failure: string | null = null;

export interface HotpathHealth {
  loaded: boolean;
  buildId: number | null;
  error?: string;
}

export function hotpathHealth(): HotpathHealth {
  if (!instance && !failure) {
    try {
      instance = instantiateHotpath(hotpathModule());
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
  }
  if (!instance) return { loaded: false, buildId: null, error: failure ?? "not loaded" };
  const buildId = instance.buildId;
  return { loaded: true, buildId: typeof buildId === "function" ? (buildId as () => number)() : null };
}
