// Attack 7: session takeover with a valid token. NetBird's relay tokens are not bound to a peer ID, so
// any token holder may authenticate as ANY peer and replace that peer's connection (the default
// "netbird" mode keeps this upstream behaviour; docs/security.md names the risk). `--auth-mode
// peer-bound` binds each token to the peer ID it was issued for: the takeover is refused and the
// victim stays connected.
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { CLOSE_POLICY_VIOLATION, CLOSE_REPLACED, issueToken, peerIdFromPublicKey, RelayClient, RelayClientError, type WebSocketLike } from "../../src/relay/index.ts";
import { report, spawnGossamer, stopAll, until } from "./harness.ts";

afterAll(stopAll);

const SECRET = "abuse-takeover-secret";

async function relayUrl(mode: "netbird" | "peer-bound"): Promise<string> {
  const p = spawnGossamer(["relay", "--listen", "127.0.0.1:0", "--auth-secret", SECRET, "--auth-mode", mode]);
  const up = await until("relay listening", 20_000, () => {
    if (p.child.exitCode !== null) throw new Error(`relay exited ${p.child.exitCode}: ${p.stderr()}`);
    return p.lines.find((l) => l.msg === "relay listening");
  });
  expect(up["tokenMode"]).toBe(mode);
  return `ws://${String(up["listen"])}/relay`;
}

async function connect(url: string, peerId: Uint8Array, token: Uint8Array): Promise<RelayClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return RelayClient.connect(ws as unknown as WebSocketLike, { peerId, token, serverSilenceMs: false });
}

describe("abuse: relay session takeover", () => {
  it("netbird mode (default): a token holder replaces the victim's session (the documented upstream risk)", async () => {
    const url = await relayUrl("netbird");
    const victimId = await peerIdFromPublicKey("abuse-takeover-victim-1");
    const victim = await connect(url, victimId, await issueToken(SECRET));
    const attacker = await connect(url, victimId, await issueToken(SECRET)); // its own token, the victim's ID
    const closed = await victim.closed;
    expect(closed.code).toBe(CLOSE_REPLACED);
    expect(attacker.isOpen).toBe(true);
    attacker.close();
  }, 90_000);

  it("peer-bound mode: the attacker's token does not authenticate the victim's ID; the victim stays", async () => {
    const url = await relayUrl("peer-bound");
    const victimId = await peerIdFromPublicKey("abuse-takeover-victim-2");
    const attackerId = await peerIdFromPublicKey("abuse-takeover-attacker-2");
    const victim = await connect(url, victimId, await issueToken(SECRET, { peerId: victimId }));
    const attackerToken = await issueToken(SECRET, { peerId: attackerId });
    const tries = [attackerToken, await issueToken(SECRET)]; // its bound token, and an unbound one
    let refused = 0;
    for (const t of tries) {
      const e = await connect(url, victimId, t).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(RelayClientError);
      refused++;
    }
    expect(victim.isOpen).toBe(true);
    // The attacker still authenticates as itself.
    const self = await connect(url, attackerId, attackerToken);
    expect(self.isOpen).toBe(true);
    report("relay-takeover", { mode: "peer-bound", takeoverAttempts: tries.length, refused, victimConnected: victim.isOpen, closeCode: CLOSE_POLICY_VIOLATION });
    self.close();
    victim.close();
  }, 90_000);
});
