// Test helper: is a running member still answering? A UDP ping from a raw socket and a TCP fallback ping
// (docs/protocols/memberlist.md §9.2: 00 + ping over a stream, reply 02 + ack), each matched by its SeqNo.
import type dgram from "node:dgram";
import type { NodeTransport } from "../../src/node/transport.ts";
import { encodeMessage, openPacket, readStreamMessage, writeStreamRequest } from "../../src/memberlist/codec/index.ts";

/** Pings `node` at 127.0.0.1:port from `raw`; resolves true when an ack with the same SeqNo comes back. */
export function udpPing(raw: dgram.Socket, port: number, node: string, seqNo: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const onMsg = (m: Buffer) => {
      const opened = openPacket(new Uint8Array(m), {});
      if (opened instanceof Promise) return;
      if (opened.messages.some((x) => x.type === "ackResp" && x.body.SeqNo === seqNo)) {
        clearTimeout(t);
        raw.off("message", onMsg);
        resolve(true);
      }
    };
    const t = setTimeout(() => {
      raw.off("message", onMsg);
      resolve(false);
    }, timeoutMs);
    raw.on("message", onMsg);
    raw.send(encodeMessage({ type: "ping", body: { SeqNo: seqNo, Node: node } }), port, "127.0.0.1");
  });
}

/** A TCP fallback ping to `node` at 127.0.0.1:port through `client`; true when the ack matches. */
export async function tcpPing(client: NodeTransport, port: number, node: string, seqNo: number): Promise<boolean> {
  const conn = await client.dialStream(`127.0.0.1:${port}`, 2_000);
  try {
    conn.setDeadline(performance.now() + 3_000);
    await writeStreamRequest(conn, encodeMessage({ type: "ping", body: { SeqNo: seqNo, Node: node } }), {});
    const reply = await readStreamMessage(conn, { role: "dial" });
    return reply.type === "ackResp" && reply.body.SeqNo === seqNo;
  } finally {
    conn.close();
  }
}
