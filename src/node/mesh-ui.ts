// The status page of `gossamer mesh --http` (/ui on the admin API): the portable UI (src/ui/) with this
// node's facts and the mesh graph as SVG (the effective network minimega's Dot() draws), refreshed every
// 2 s. The admin API has no token (it listens on loopback or a Unix socket), so neither has its page.
import { getRequestListener } from "@hono/node-server";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MeshNode } from "../mesh/index.ts";
import { uiRoutes, type UiData, type UiHost } from "../ui/index.ts";

export function meshUiHost(node: MeshNode): UiHost {
  return {
    token: () => undefined,
    tokenSetting: "",
    pollMs: 2000,
    async data(): Promise<UiData> {
      const adjacency = node.mesh();
      return {
        kind: "mesh",
        title: `gossamer · mesh ${node.name}`,
        facts: [
          ["node", node.name],
          ["mesh size", String(Object.keys(adjacency).length)],
          ["degree", String(node.degree)],
          ["links", String(node.clients().length)],
          ["namespace", node.namespace],
          ["port", String(node.port)],
        ],
        mesh: { self: node.name, adjacency },
      };
    },
  };
}

/** A node:http handler serving /ui and its sub-paths for `node`. */
export function meshUiListener(node: MeshNode): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const app = uiRoutes(meshUiHost(node));
  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such route" } }, 404));
  return getRequestListener(app.fetch) as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}
