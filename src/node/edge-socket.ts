// The edge link's WebSocket connector on Node: the ws package (it can send the Authorization header the
// edge requires, which the standard WebSocket constructor cannot). Keepalive: a ws ping every 20 s; a
// connection that answers nothing for 60 s is dropped (the link then reconnects from its cursor).
import WebSocket from "ws";
import type { EdgeSocket, SocketConnector } from "../control/index.ts";

export const wsConnector: SocketConnector = (url, headers): EdgeSocket => {
  const ws = new WebSocket(url, { headers, maxPayload: 512 * 1024 * 1024, handshakeTimeout: 30_000 });
  let alive = true;
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }, 20_000);
  ping.unref();
  ws.on("pong", () => (alive = true));
  ws.on("message", () => (alive = true));
  let closeFn: (reason: string) => void = () => {};
  let closed = false;
  const closeOnce = (reason: string) => {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    closeFn(reason);
  };
  ws.on("error", (err) => closeOnce(err.message));
  ws.on("unexpected-response", (_req, res) => {
    closeOnce(`watch refused: HTTP ${res.statusCode}`);
    ws.terminate();
  });
  ws.on("close", (code, reason) => closeOnce(`closed ${code}${reason.length ? ` ${reason.toString()}` : ""}`));
  return {
    onOpen: (fn) => ws.on("open", fn),
    onText: (fn) => ws.on("message", (data, isBinary) => fn(isBinary ? "" : data.toString())),
    onClose: (fn) => (closeFn = fn),
    close: () => {
      closed = true;
      clearInterval(ping);
      ws.terminate();
    },
  };
};
