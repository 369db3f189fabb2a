// Runs a mesh node on Node: builds the platform (real clock, JSON logger, metrics registry), the TCP/UDP
// transport, the node and its admin API, and dials the initial peers (retried every MSA period until a
// dial succeeds, since peers often start together). Used by `gossamer mesh` and by tests.
// (The platform is built here until src/node/platform.ts provides the one Node platform.)
import { createPlatformHotpath, memoryStorageFactory, type Platform } from "../platform/index.ts";
import { createMeshNode, type MeshNode, type MeshNodeOptions } from "../mesh/index.ts";
import { systemClock, systemRandom } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { MetricsRegistry } from "../util/metrics.ts";
import { serveMeshAdmin, type MeshAdminServer } from "./mesh-admin.ts";
import { NodeMeshTransport, type NodeMeshTransportOptions } from "./mesh-transport.ts";

export interface MeshRunOptions extends Omit<MeshNodeOptions, "port"> {
  transport?: NodeMeshTransportOptions;
  /** Hosts to dial at start (host or host:port). */
  dial?: string[];
  /** Admin API address (HOST:PORT or unix:/path); none when absent. */
  http?: string;
  logger: Logger;
}

export interface RunningMesh {
  node: MeshNode;
  transport: NodeMeshTransport;
  platform: Platform;
  admin: MeshAdminServer | null;
  close(): Promise<void>;
}

export function nodeMeshPlatform(logger: Logger): Platform {
  return {
    runtime: "node",
    clock: systemClock,
    wallClock: () => Date.now(),
    random: systemRandom,
    logger,
    metrics: new MetricsRegistry(),
    hotpath: createPlatformHotpath(null),
    storage: memoryStorageFactory(),
  };
}

export async function startMeshNode(o: MeshRunOptions): Promise<RunningMesh> {
  const platform = nodeMeshPlatform(o.logger);
  const transport = new NodeMeshTransport(o.transport ?? {});
  const { transport: _t, dial: _d, http: _h, logger: _l, ...nodeOpts } = o;
  // The port is read live: with port 0 the transport learns it when the node starts listening.
  const started = createMeshNode(platform, transport, { ...nodeOpts, port: () => transport.port });
  await started.start();
  const admin = o.http ? await serveMeshAdmin(o.http, started, platform.metrics, o.logger) : null;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  for (const host of o.dial ?? []) {
    const attempt = () => {
      if (closed) return;
      started.dial(host).then(
        (name) => o.logger.info({ host, peer: name }, "dialled"),
        (e: Error) => {
          o.logger.warn({ host, err: e.message }, "dial failed, retrying");
          const t = setTimeout(() => {
            timers.delete(t);
            attempt();
          }, started.msaPeriodMs);
          timers.add(t);
        },
      );
    };
    attempt();
  }
  return {
    node: started,
    transport,
    platform,
    admin,
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      await admin?.close();
      await started.stop();
    },
  };
}
