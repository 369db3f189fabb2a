// Runs a mesh node on Node, on the process's platform (src/node/platform.ts): the TCP/UDP transport, the
// node and its admin API, and the initial dials (retried every MSA period until one succeeds, since
// peers often start together). Used by `gossamer mesh` and by tests.
import type { Platform } from "../platform/index.ts";
import { createMeshNode, type MeshNode, type MeshNodeOptions } from "../mesh/index.ts";
import { serveMeshAdmin, type MeshAdminServer } from "./mesh-admin.ts";
import { NodeMeshTransport, type NodeMeshTransportOptions } from "./mesh-transport.ts";

export interface MeshRunOptions extends Omit<MeshNodeOptions, "port"> {
  transport?: NodeMeshTransportOptions;
  /** Hosts to dial at start (host or host:port). */
  dial?: string[];
  /** Admin API address (HOST:PORT or unix:/path); none when absent. */
  http?: string;
}

export interface RunningMesh {
  node: MeshNode;
  transport: NodeMeshTransport;
  platform: Platform;
  admin: MeshAdminServer | null;
  close(): Promise<void>;
}

export async function startMeshNode(platform: Platform, o: MeshRunOptions): Promise<RunningMesh> {
  const log = platform.logger;
  const transport = new NodeMeshTransport(o.transport ?? {});
  const { transport: _t, dial: _d, http: _h, ...nodeOpts } = o;
  // The port is read live: with port 0 the transport learns it when the node starts listening.
  const started = createMeshNode(platform, transport, { ...nodeOpts, port: () => transport.port });
  await started.start();
  const admin = o.http ? await serveMeshAdmin(o.http, started, platform.metrics, log) : null;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;
  for (const host of o.dial ?? []) {
    const attempt = () => {
      if (closed) return;
      started.dial(host).then(
        (name) => log.info({ host, peer: name }, "dialled"),
        (e: Error) => {
          log.warn({ host, err: e.message }, "dial failed, retrying");
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
