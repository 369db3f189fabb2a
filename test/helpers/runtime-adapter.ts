// The runtime adapters: functions every runtime exports under ONE name with ONE type (as Hono's adapters
// share names such as upgradeWebSocket across runtimes). Each runtime's adapter test checks its module
// against this list: Node (test/node/adapter.test.ts, src/node/index.ts) and workerd
// (test/worker/adapter.test.ts, worker/adapters.ts). Add a function here when a runtime adapter joins.
import type { ServeRelay } from "../../src/relay/index.ts";

export interface RuntimeAdapter {
  /** Serve the NetBird relay on this runtime: (platform, options) -> RelayService. */
  serveRelay: ServeRelay;
}

export const ADAPTER_FUNCTIONS = ["serveRelay"] as const satisfies readonly (keyof RuntimeAdapter)[];
