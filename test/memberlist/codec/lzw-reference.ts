// Reference output of Go's compress/lzw (go1.19.8, Debian bookworm), writer lzw.NewWriter(w, lzw.LSB, 8),
// one Write and Close, exactly as memberlist's compressPayload calls it. Inputs are made by the generator
// below (an LCG); each row is: kind, input length, compressed length, SHA-256 of the compressed bytes.
// The large inputs cross the 4095-code CLEAR reset many times. Regenerate with `GO111MODULE=off go run main.go`:
//
//   package main
//
//   import (
//     "bytes"
//     "compress/lzw"
//     "crypto/sha256"
//     "fmt"
//   )
//
//   func gen(kind, n int) []byte {
//     b := make([]byte, n)
//     x := uint32(12345)
//     for i := range b {
//       x = x*1103515245 + 12345
//       switch kind {
//       case 0:
//         b[i] = byte(x >> 24)
//       case 1:
//         b[i] = byte((x >> 24) % 4)
//       case 2:
//         b[i] = byte(i % 7)
//       }
//     }
//     return b
//   }
//
//   func main() {
//     for kind := 0; kind < 3; kind++ {
//       for _, n := range []int{0, 1, 5000, 70000, 300000} {
//         var buf bytes.Buffer
//         w := lzw.NewWriter(&buf, lzw.LSB, 8)
//         w.Write(gen(kind, n))
//         w.Close()
//         fmt.Printf("%d %d %d %x\n", kind, n, buf.Len(), sha256.Sum256(buf.Bytes()))
//       }
//     }
//   }

/** Same generator in TS (kind 0: random bytes, 1: random bytes mod 4, 2: i mod 7). */
export function lzwInput(kind: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = kind === 0 ? x >>> 24 : kind === 1 ? (x >>> 24) % 4 : i % 7;
  }
  return b;
}

export const GO_LZW_REFERENCE: [kind: number, inputLen: number, outLen: number, sha256: string][] = [
  [0, 0, 3, "ca175b7b97e4180ff4b1dc13271f897a7d711d6da53ddd112d60bf4ac100e23e"],
  [0, 1, 4, "b36599526265f016d535717be8ce06ea5f136f1b4c3401adf887bbd789c1d73a"],
  [0, 5000, 6712, "5a1bd4c8c12e38336a833bac619040f625d113dbac0ef5de4939781a7c9ab5eb"],
  [0, 70000, 95863, "51dfb5fbdaf5a10564661ee3530e2c2c9e0aa65f3b75b397092725e31cc59e92"],
  [0, 300000, 410930, "38993043acb9052f959b9cecf68eeb6b9a84384acfe6c3d688f68c85252096c7"],
  [1, 0, 3, "ca175b7b97e4180ff4b1dc13271f897a7d711d6da53ddd112d60bf4ac100e23e"],
  [1, 1, 4, "6f0fc2176f3ba06beb4a9647c6a26c2366f03c434140e27cc3cb9778189b447d"],
  [1, 5000, 1617, "87783e8fb3dd242ff3be5d6fe6b999587d346b04bbae88c90cee75d21427e756"],
  [1, 70000, 20863, "f91f1a814dca660458ebbb76910ef009d4f8c12c8905d4402589bbd4a4c8da47"],
  [1, 300000, 89367, "73d3ed69d17d8b7b6b33f50fb5e1b502ca9da3d438dbc13ed794384155e8db5b"],
  [2, 0, 3, "ca175b7b97e4180ff4b1dc13271f897a7d711d6da53ddd112d60bf4ac100e23e"],
  [2, 1, 4, "1429eeb1fc89869dd14be020da2544d3a81212ef699b813320281683be8a1ba7"],
  [2, 5000, 298, "004d2d2951e6d4658cf88d389795af921f9be0826ed727abae000330c50395af"],
  [2, 70000, 1232, "1c266f14bb3207d46b6afd82757b1b98904151562f936266c4b7c8bc0f742ea8"],
  [2, 300000, 2720, "c08bc273e562e114b29e29eae96aef435e1bd0753f4bc786f11049ed0ce974ce"],
];
