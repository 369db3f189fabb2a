// The worker's side of the runtime adapters: the functions both runtimes export under the same name with
// the same type (the Node side is src/node/index.ts; test/helpers/runtime-adapter.ts lists them and the
// adapter tests of both projects check each runtime against that list), plus the worker's platform.
export { serveRelay } from "./relay-route.ts";
export { workerPlatform, platformFor } from "./platform.ts";
