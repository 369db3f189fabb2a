// `gossamer keygen [--bytes 16|24|32]`: prints a new random base64 key for --encrypt (AES-128/192/256-GCM;
// the default 32 bytes matches `serf keygen`).
import { randomBytes } from "node:crypto";

export const summary = "print a new base64 encryption key for --encrypt (--bytes 16|24|32, default 32)";

export async function run(argv: string[]): Promise<number> {
  let bytes = 32;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--bytes" || flag === "-bytes") {
      const v = inline ?? argv[++i];
      bytes = Number(v);
    } else if (flag === "--help" || flag === "-h") {
      console.log(`usage: gossamer keygen [--bytes 16|24|32]\n  ${summary}`);
      return 0;
    } else {
      console.error(`keygen: unknown flag ${a}`);
      return 2;
    }
  }
  if (bytes !== 16 && bytes !== 24 && bytes !== 32) {
    console.error("keygen: --bytes must be 16, 24 or 32");
    return 2;
  }
  console.log(randomBytes(bytes).toString("base64"));
  return 0;
}
