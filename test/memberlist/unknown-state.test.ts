// Go compatibility: a push/pull node state whose State is outside 0..3 does not fail the exchange. Go
// decodes any int into NodeStateType and its mergeState switch skips unknown states; so do we (the codec
// keeps the number, mergeState skips and counts the entry). The inputs are the S13 and S11 captures
// (docs/protocols/memberlist.md §17) with one State byte changed, sent byte for byte over a real TCP connection to a
// member on the Node transport.
import net from "node:net";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodePushPull, readStreamMessage } from "../../src/memberlist/codec/index.ts";
import { defaultConfig } from "../../src/memberlist/config.ts";
import { Memberlist } from "../../src/memberlist/memberlist.ts";
import type { PushPull } from "../../src/memberlist/messages.ts";
import { createTransport } from "../../src/node/transport.ts";
import { chunkedConn } from "./codec/helpers.ts";
import { CAPTURED, hex, toHex } from "./codec/vectors.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

// S13: a's periodic push/pull carrying c (alive), b (alive), a (alive). Node b's State field, as captured:
const B_STATE_00 = "a162a4506f7274cd461ba5537461746500"; // Name "b", Port 17947, State 0
const withBState = (state: string): string => {
  expect(CAPTURED.S13!.split(B_STATE_00)).toHaveLength(2); // the patch point is unique
  return CAPTURED.S13!.replace(B_STATE_00, B_STATE_00.slice(0, -2) + state);
};
const S13_B7 = withBState("07"); // positive fixint 7
const S13_B_NEG = withBState("ff"); // negative fixint -1
const S13_B_INT64 = withBState("d37fffffffffffffff"); // int64 max (beyond 2^53)
// S11: b's join push/pull, its only state (b) with State 0 -> 9, plus 16 bytes of user state.
const S11_STATE_00 = "a5537461746500a356736e";
const S11_B9 = CAPTURED.S11!.replace(S11_STATE_00, "a5537461746509a356736e");

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function pushPull(b: Uint8Array): Promise<PushPull> {
  const m = await readStreamMessage(chunkedConn(b, [7, 13, 1000]), { role: "dial" });
  if (m.type !== "pushPull") throw new Error(`decoded ${m.type}`);
  return m.body;
}

describe("push/pull with a State outside 0..3 (codec)", () => {
  it("decodes the modified S13: the unknown state is kept, the other entries are intact", async () => {
    for (const [bytes, want] of [
      [S13_B7, 7],
      [S13_B_NEG, -1],
      [S13_B_INT64, 2 ** 63],
    ] as const) {
      const pp = await pushPull(hex(bytes));
      expect(pp.header).toEqual({ Join: false, Nodes: 3, UserStateLen: 0 });
      expect(pp.states.map((s) => [s.Name, s.Port, s.State])).toEqual([
        ["c", 17948, 0],
        ["b", 17947, want],
        ["a", 17946, 0],
      ]);
    }
    // The number survives a re-encode byte for byte (0.2.2 flavour, as captured).
    expect(toHex(encodePushPull(await pushPull(hex(S13_B7))))).toBe(S13_B7);
  });

  it("any integer State round-trips in both msgpack flavours and leaves the neighbours intact", async () => {
    const base = await pushPull(hex(CAPTURED.S13!));
    await fc.assert(
      fc.asyncProperty(fc.maxSafeInteger(), fc.constantFrom("0.2.2" as const, "latest" as const), async (state, flavor) => {
        const states = base.states.map((s, i) => (i === 1 ? { ...s, State: state } : s));
        const back = await pushPull(encodePushPull({ ...base, states }, { flavor }));
        expect(back.states.map((s) => s.State)).toEqual([0, state, 0]);
        expect(back.states.map((s) => s.Name)).toEqual(["c", "b", "a"]);
      }),
      { numRuns: 200 },
    );
  });
});

/** A member on a real Node transport (probing and gossip off: only the push/pull is under test). */
async function member(name: string, onRemoteState?: (b: Uint8Array, join: boolean) => void): Promise<{ ml: Memberlist; port: number }> {
  const transport = await createTransport(testPlatform(), { bind: "127.0.0.1:0" });
  const ml = await Memberlist.create(
    defaultConfig("local", {
      name,
      probeInterval: 0,
      gossipInterval: 0,
      pushPullInterval: 0,
      ...(onRemoteState ? { delegate: { mergeRemoteState: onRemoteState } } : {}),
    }),
    { transport },
  );
  closers.push(() => ml.shutdown());
  return { ml, port: transport.bound().port };
}

/** Write the request as raw bytes, read the whole reply until the member closes. */
function exchange(port: number, request: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.connect(port, "127.0.0.1", () => c.write(request));
    c.on("data", (d: Buffer) => chunks.push(d));
    c.on("close", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    c.on("error", reject);
  });
}

const until = (what: string, f: () => boolean) => waitUntil(what, f, { timeout: 10_000, interval: 20 });

describe("push/pull with a State outside 0..3 (merge over TCP)", () => {
  it("answers with its state and merges the known entries; the unknown one is skipped and counted", async () => {
    const { ml, port } = await member("pp-target");
    const reply = await exchange(port, hex(S13_B7));
    // A pushPull reply (compressed, as Go's default config sends it), not an errResp.
    expect((await readStreamMessage(chunkedConn(reply), { role: "dial" })).type).toBe("pushPull");
    const answered = await pushPull(reply);
    expect(answered.states.map((s) => s.Name)).toEqual(["pp-target"]);

    await until("the merge", () => ml.stats().unknownNodeStates === 1);
    const seen = new Map(ml.members().map((m) => [m.name, m]));
    expect(seen.get("c")).toMatchObject({ state: "alive", addr: "127.0.0.1", port: 17948, incarnation: 1 });
    expect(seen.get("a")).toMatchObject({ state: "alive", addr: "127.0.0.1", port: 17946, incarnation: 1 });
    expect(seen.has("b")).toBe(false);
    expect(ml.numMembers()).toBe(3);
    expect(ml.stats().pushPullIn).toBe(1);
    expect(ml.stats().pushPullInFailed).toBe(0);

    // A 64-bit unknown state works the same way.
    const { ml: ml2, port: port2 } = await member("pp-target-2");
    expect((await pushPull(await exchange(port2, hex(S13_B_INT64)))).states).toHaveLength(1);
    await until("the second merge", () => ml2.stats().unknownNodeStates === 1);
    expect(ml2.members().map((m) => m.name).sort()).toEqual(["a", "c", "pp-target-2"]);
  });

  it("keeps a join whose only entry has an unknown state: the user state is still merged (modified S11)", async () => {
    const got: { state: string; join: boolean }[] = [];
    const { ml, port } = await member("pp-join", (b, join) => got.push({ state: new TextDecoder().decode(b), join }));
    const reply = await exchange(port, hex(S11_B9));
    expect((await pushPull(reply)).header.Join).toBe(true); // Join echoed from the request
    await until("the merge", () => got.length === 1);
    expect(got).toEqual([{ state: "hello-user-state", join: true }]);
    expect(ml.stats().unknownNodeStates).toBe(1);
    expect(ml.members().map((m) => m.name)).toEqual(["pp-join"]);
  });
});
