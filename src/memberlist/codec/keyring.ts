// The encryption keyring (memberlist's Keyring, docs/protocols/memberlist.md §8.1): AES keys of 16, 24 or 32
// bytes; the primary key (always first) encrypts, every key is tried in order on decrypt. Key rotation:
// addKey on every member, then useKey, then removeKey of the old one. The primary cannot be removed.
import { MemberlistCryptoError, MemberlistErrorCode } from "../errors.ts";
import { bytesEqual } from "../../util/index.ts";

function validKey(k: Uint8Array): Uint8Array {
  if (!(k instanceof Uint8Array) || (k.length !== 16 && k.length !== 24 && k.length !== 32))
    throw new MemberlistCryptoError(MemberlistErrorCode.badKey, `key size must be 16, 24 or 32 bytes, got ${k?.length}`);
  return k.slice();
}

export class Keyring {
  #keys: Uint8Array[];
  /** Imported WebCrypto keys, cached per installed key (import is async and not free). */
  #imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();

  constructor(primary: Uint8Array, extra: Uint8Array[] = []) {
    const p = validKey(primary);
    this.#keys = [p];
    for (const k of extra) this.addKey(k);
  }

  /** A keyring from a base64 key (serf agent -encrypt / gossamer keygen format). */
  static fromBase64(b64: string, extra: string[] = []): Keyring {
    return new Keyring(decodeBase64(b64), extra.map(decodeBase64));
  }

  primaryKey(): Uint8Array {
    return this.#keys[0]!.slice();
  }

  /** All installed keys, primary first (copies). */
  keys(): Uint8Array[] {
    return this.#keys.map((k) => k.slice());
  }

  /** Installs a key; a no-op if it is already installed. */
  addKey(k: Uint8Array): void {
    const key = validKey(k);
    if (this.#keys.some((x) => bytesEqual(x, key))) return;
    this.#keys.push(key);
  }

  /** Makes an installed key the primary (encrypting) key. */
  useKey(k: Uint8Array): void {
    const i = this.#keys.findIndex((x) => bytesEqual(x, k));
    if (i < 0) throw new MemberlistCryptoError(MemberlistErrorCode.badKey, "requested key is not in the keyring");
    const [key] = this.#keys.splice(i, 1);
    this.#keys.unshift(key!);
  }

  /** Removes a key; removing the primary key is not allowed. Removing an unknown key is a no-op. */
  removeKey(k: Uint8Array): void {
    if (bytesEqual(this.#keys[0]!, k)) throw new MemberlistCryptoError(MemberlistErrorCode.badKey, "removing the primary key is not allowed");
    this.#keys = this.#keys.filter((x) => !bytesEqual(x, k));
  }

  /** @internal WebCrypto keys in keyring order (primary first). */
  cryptoKeys(): Promise<CryptoKey>[] {
    return this.#keys.map((k) => this.#cryptoKey(k));
  }

  #cryptoKey(k: Uint8Array): Promise<CryptoKey> {
    let p = this.#imported.get(k);
    if (p === undefined) {
      p = crypto.subtle.importKey("raw", k as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
      this.#imported.set(k, p);
    }
    return p;
  }
}

function decodeBase64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s.trim());
  } catch (e) {
    throw new MemberlistCryptoError(MemberlistErrorCode.badKey, "key is not valid base64", { cause: e });
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
