// Public API of the memberlist wire codec (docs/protocols/memberlist.md §1–§9), byte-compatible with
// HashiCorp memberlist 0.2.2 and latest. The SWIM core imports only from here.
//
// Packets (UDP):  encodeMessage -> encodeCompound -> sealPacket   |   openPacket -> Message[] (+ errors)
// Streams (TCP):  encodeMessage / encodePushPull / encodeStreamUser -> writeStreamRequest / writeStreamReply
//                 readStreamMessage(conn, { role: "accept" | "dial", ... }) -> StreamMessage
// Everything thrown (or reported in OpenedPacket.errors) is a MemberlistError subclass (../errors.ts).

export { encodeMessage, decodeMessage, encodePushPull, encodePushPullHeader, encodeStreamUser, decodePushPull, decodeStreamUser } from "./message.ts";
export type { EncodeOptions } from "./message.ts";
export type { MsgpackFlavor } from "./msgpack.ts";
export { encodeCompound, makeCompound, splitCompound, MAX_COMPOUND_PARTS } from "./compound.ts";
export { Keyring } from "./keyring.ts";
export { encryptedLength, encryptPayload, decryptPayload } from "./aesgcm.ts";
export type { EncryptionVersion } from "./aesgcm.ts";
export { sealPacket, openPacket } from "./packet.ts";
export type { PacketOptions, OpenedPacket } from "./packet.ts";
export { sealStream, writeStreamRequest, writeStreamReply, readStreamMessage } from "./stream.ts";
export type { StreamMessage, StreamReadOptions } from "./stream.ts";
export { encodeLabelHeader, addLabelHeader } from "./label.ts";
export { encodeCompressed, decodeCompressed } from "./compress.ts";
export { lzwCompress, lzwDecompress } from "./lzw.ts";
export { DEFAULT_LIMITS, STREAM_MESSAGE_BYTES, resolveLimits } from "./limits.ts";
export type { DecodeLimits } from "./limits.ts";
export { overhead } from "./overhead.ts";
// The go-msgpack-exact writer and reader, for other protocols that must write msgpack as Go does (ckit).
export { MsgpackWriter, encodeWith } from "./msgpack.ts";
export { MsgpackReader } from "./msgpack-reader.ts";
export type { ResolvedLimits } from "./limits.ts";
