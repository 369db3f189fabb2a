// memberlist's encrypted blob (docs/protocols/memberlist.md §8.1): vsn (1 byte) | nonce (12) | GCM ciphertext+tag (16).
// vsn 1: the plaintext as is (29 bytes overhead). vsn 0 (protocol 1 only): PKCS#7-padded to a 16-byte
// multiple (1..16 pad bytes) before sealing, unpadded after opening. Decryption tries every key of the
// keyring in order. AAD: packets the label bytes; streams 0a + u32 length + label.
import { MemberlistCryptoError, MemberlistErrorCode } from "../errors.ts";
import type { Keyring } from "./keyring.ts";

export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
const BLOCK = 16;

export type EncryptionVersion = 0 | 1;

/** Bytes of the blob for a plaintext of `n` bytes (Go's encryptedLength). */
export function encryptedLength(vsn: EncryptionVersion, n: number): number {
  if (vsn === 1) return 1 + NONCE_SIZE + n + TAG_SIZE;
  return 1 + NONCE_SIZE + n + (BLOCK - (n % BLOCK)) + TAG_SIZE;
}

export function randomNonce(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** AesGcmParams, spelled out (the workerd type set names it differently). */
interface GcmParams {
  name: "AES-GCM";
  iv: Uint8Array<ArrayBuffer>;
  tagLength: number;
  additionalData?: Uint8Array<ArrayBuffer>;
}

const buf = (u: Uint8Array): Uint8Array<ArrayBuffer> => u as Uint8Array<ArrayBuffer>;

/** Seals `msg` with the keyring's primary key into vsn | nonce | ciphertext+tag. */
export async function encryptPayload(
  vsn: EncryptionVersion,
  keyring: Keyring,
  msg: Uint8Array,
  aad: Uint8Array,
  randomBytes: (n: number) => Uint8Array = randomNonce,
): Promise<Uint8Array> {
  const nonce = randomBytes(NONCE_SIZE);
  if (nonce.length !== NONCE_SIZE) throw new MemberlistCryptoError(MemberlistErrorCode.badKey, "nonce source returned a wrong size");
  let plain = msg;
  if (vsn === 0) {
    const pad = BLOCK - (msg.length % BLOCK);
    plain = new Uint8Array(msg.length + pad);
    plain.set(msg);
    plain.fill(pad, msg.length);
  }
  const params: GcmParams = { name: "AES-GCM", iv: buf(nonce), tagLength: 128 };
  if (aad.length > 0) params.additionalData = buf(aad);
  let ct: Uint8Array;
  try {
    ct = new Uint8Array(await crypto.subtle.encrypt(params, await keyring.cryptoKeys()[0]!, buf(plain)));
  } catch (e) {
    // e.g. a runtime without AES-192 support
    throw new MemberlistCryptoError(MemberlistErrorCode.badKey, "encryption with the primary key failed", { cause: e });
  }
  const out = new Uint8Array(1 + NONCE_SIZE + ct.length);
  out[0] = vsn;
  out.set(nonce, 1);
  out.set(ct, 1 + NONCE_SIZE);
  return out;
}

/** Opens a blob with any key of the keyring. Throws MemberlistCryptoError (code decrypt) on failure. */
export async function decryptPayload(keyring: Keyring, blob: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  if (blob.length === 0) throw new MemberlistCryptoError(MemberlistErrorCode.decrypt, "cannot decrypt empty payload", { offset: 0 });
  const vsn = blob[0]!;
  if (vsn > 1) throw new MemberlistCryptoError(MemberlistErrorCode.decrypt, `unsupported encryption version ${vsn}`, { offset: 0 });
  if (blob.length < encryptedLength(vsn as EncryptionVersion, 0))
    throw new MemberlistCryptoError(MemberlistErrorCode.decrypt, `payload is too small to decrypt: ${blob.length}`, { offset: 0 });
  const params: GcmParams = { name: "AES-GCM", iv: buf(blob.slice(1, 1 + NONCE_SIZE)), tagLength: 128 };
  if (aad.length > 0) params.additionalData = buf(aad);
  const ct = buf(blob.subarray(1 + NONCE_SIZE));
  for (const keyP of keyring.cryptoKeys()) {
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(await crypto.subtle.decrypt(params, await keyP, ct));
    } catch {
      continue; // wrong key (or tampered data): try the next one
    }
    if (vsn === 1) return plain;
    const pad = plain.length > 0 ? plain[plain.length - 1]! : 0;
    if (pad < 1 || pad > BLOCK || pad > plain.length)
      throw new MemberlistCryptoError(MemberlistErrorCode.decrypt, `bad PKCS#7 padding ${pad}`, { offset: 0 });
    return plain.subarray(0, plain.length - pad);
  }
  throw new MemberlistCryptoError(MemberlistErrorCode.decrypt, "no installed keys could decrypt the message", { offset: 0 });
}
