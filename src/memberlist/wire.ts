// The one module through which the SWIM core touches the wire codec (src/memberlist/codec/). Everything
// else in the core speaks decoded `Message` values and calls these adapters, so codec changes land here.
export {
  Keyring,
  encodeMessage,
  encodeCompound,
  encodePushPull,
  encodeStreamUser,
  openPacket,
  readStreamMessage,
  sealPacket,
  writeStreamReply,
  writeStreamRequest,
} from "./codec/index.ts";
export type { OpenedPacket, PacketOptions, StreamMessage, StreamReadOptions } from "./codec/index.ts";

/** Bytes a compound header costs (type + count) and each part (u16 length): memberlist's constants. */
export const COMPOUND_HEADER_OVERHEAD = 2;
export const COMPOUND_OVERHEAD = 2;
/** One byte of type (0x08) before each user broadcast. */
export const USER_MSG_OVERHEAD = 1;

/** Label header cost: 0xf4 + length byte + label (0 when no label). */
export function labelOverhead(label: string): number {
  return label ? 2 + new TextEncoder().encode(label).length : 0;
}

/** Encryption overhead per packet: version 1 = 1 + 12 + 16; version 0 adds up to 16 bytes of padding. */
export function encryptOverhead(version: 0 | 1): number {
  return version === 1 ? 29 : 45;
}
