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

import { overhead } from "./codec/index.ts";

/** Packing budgets (the codec owns the numbers: codec/overhead.ts). */
export const COMPOUND_HEADER_OVERHEAD = overhead.compoundHeader;
export const COMPOUND_OVERHEAD = overhead.compoundPart;
export const USER_MSG_OVERHEAD = overhead.userMsg;
export const labelOverhead = (label: string): number => overhead.label(label);
export const encryptOverhead = (version: 0 | 1): number => overhead.encryption(version);
