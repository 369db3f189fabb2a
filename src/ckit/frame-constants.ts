// gossiphttp wire constants (docs/protocols/ckit.md). WARNING: wire values; only append.
//   CC | u16 BE payload length | payload     short frame (payload <= 65535 bytes)
//   CD | u32 BE payload length | payload     long frame
// The scanner's copy of these values lives in src/hotpath/frames.ts (CKIT_SHORT / CKIT_LONG); a test
// checks they agree.
export const CKIT_SHORT_MAGIC = 0xcc;
export const CKIT_LONG_MAGIC = 0xcd;

/** Route prefix of the transport (what ckit's Handler() returns). */
export const BASE_ROUTE = "/api/v1/ckit/transport/";
/** One-way packets (memberlist's UDP path). */
export const MESSAGE_PATH = `${BASE_ROUTE}message`;
/** Full-duplex streams (memberlist's TCP path). */
export const STREAM_PATH = `${BASE_ROUTE}stream`;
/** Required request Content-Type (exact match, else 400). */
export const CKIT_CONTENT_TYPE = "application/x.ckit";
/**
 * gossamer extension header: the sender's advertised host:port on /message requests. ckit ignores it
 * (and never sends it); a gossamer receiver reports it as the packet source instead of the client's TCP
 * address, as memberlist's UDP transport would.
 */
export const FROM_HEADER = "gossamer-from";
