// Worker entry: Hono app. Routes are added by the relay and state modules.
import { Hono } from "hono";
import wasmModule from "../build/hotpath.wasm";

const app = new Hono();
app.get("/healthz", (c) => {
  const inst = new WebAssembly.Instance(wasmModule, { env: { abort() { throw new Error("abort"); } } });
  return c.json({ ok: true, buildId: (inst.exports.buildId as () => number)() });
});
export default app;
