// Byte budgets (docs/protocols/memberlist.md §5.1, §10.5) senders account against UDPBufferSize when packing
// gossip: compound header 2 + 2 per part, user messages 1 (the 08 byte), the label header 2 + len
// (latest), and the encryption envelope (29 bytes for vsn 1, up to 45 for vsn 0).
import { labelBytes } from "./label.ts";

export const overhead = {
  /** 07 + count. */
  compoundHeader: 2,
  /** u16 length per part. */
  compoundPart: 2,
  /** The 08 type byte in front of a user broadcast. */
  userMsg: 1,
  /** hasCrc: 0c + u32. */
  crc: 5,
  /** Label header bytes for a label ("" -> 0). */
  label(label: string | undefined): number {
    const n = labelBytes(label).length;
    return n === 0 ? 0 : 2 + n;
  },
  /** Encryption envelope bytes (Go's encryptOverhead). */
  encryption(vsn: 0 | 1): number {
    return vsn === 1 ? 29 : 45;
  },
} as const;
