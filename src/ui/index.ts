// The live status page (portable: Web-standard APIs only, rendered in Node and in workerd): data model
// (types.ts), escaping templates (html.ts), panels (panels.ts), the mesh graph as SVG (graph.ts), the
// page and login documents (page.ts), stylesheet and script (assets.ts), and the Hono routes each host
// mounts (app.ts).
export { uiRoutes, lookupRoute, sessionValue, UI_BASE, UI_COOKIE, type UiHost } from "./app.ts";
export { renderPage, renderLogin, type PageOptions } from "./page.ts";
export { renderPanels, routeText, MAX_ROWS } from "./panels.ts";
export { meshSvg, MAX_NODES } from "./graph.ts";
export { h, raw, escapeHtml, Html } from "./html.ts";
export type { UiData, UiMember, UiCkitPeer, UiRelay, UiRelayPeer, UiMesh, UiLookup, UiVersions } from "./types.ts";
