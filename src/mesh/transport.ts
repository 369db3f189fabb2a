// The seam between the mesh node and the network. Node provides TCP links on the mesh port and UDP
// solicitations (src/node/mesh-transport.ts); simulations and tests provide an in-memory network
// (memory-net.ts). The node never knows which it has.
import type { MeshMessage } from "./message.ts";

/** What an object-carrying connection passes instead of gob bytes: handshake values and messages. */
export type LinkItem = string | boolean | MeshMessage;

/** One established byte stream to a neighbour (a TCP connection). */
export interface MeshConn {
  /** Remote address for logs and for dialling back (host or host:port). */
  readonly remoteAddress: string;
  /** Queues bytes; ignored once the connection is closed. */
  write(bytes: Uint8Array): void;
  /** Bytes queued but not yet handed to the network (back-pressure). */
  readonly bufferedAmount: number;
  /**
   * Simulation only: a connection that carries decoded items instead of bytes (the codec is skipped, so
   * very large simulated meshes stay cheap). Real transports leave this undefined.
   */
  writeItem?(item: LinkItem): void;
  /** Starts delivery: nothing is delivered before this is called. `close` fires once, after the last data. */
  start(handlers: { data(chunk: Uint8Array): void; item(x: LinkItem): void; close(reason: MeshConnCloseReason): void }): void;
  /** Graceful close (FIN). */
  close(): void;
  /** Abortive close (RST). */
  destroy(): void;
}

/** How a connection ended, as far as the transport can tell. */
export type MeshConnCloseReason = "eof" | "reset" | "error" | "local";

export interface MeshTransport {
  /** Starts accepting links; `accept` receives each inbound connection. */
  listen(accept: (conn: MeshConn) => void): Promise<void>;
  /** Opens a link to `host` (a name, an address, or host:port; the mesh port when no port is given). */
  dial(host: string, timeoutMs: number): Promise<MeshConn>;
  /** Broadcasts a solicitation datagram (minimega: to broadcastIP:port from a fresh socket). */
  solicit(payload: Uint8Array): void;
  /** Receives solicitation datagrams; `from` is the sender's address (without port). */
  onSolicitation(handler: (payload: Uint8Array, from: string) => void): void;
  /** Stops listening and closes every connection it made. */
  close(): Promise<void>;
}
