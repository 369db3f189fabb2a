// Local delivery keeps a bounded replay buffer (by count and by wire bytes) and isolates subscribers.
import { describe, expect, it } from "vitest";
import { Inbox } from "../../src/mesh/inbox.ts";
import { stringBody, type DataMessage } from "../../src/mesh/index.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";

const msg = (s: string): DataMessage => ({ kind: "message", recipients: [], source: "a", instance: 1n, route: ["a", "b"], id: 0n, body: stringBody(s) });

describe("inbox", () => {
  it("keeps at most `capacity` deliveries and at most `maxBytes` of them, and replays after a sequence number", () => {
    const logs: LogLine[] = [];
    const box = new Inbox(3, captureLogger(logs), 100);
    for (let i = 1; i <= 5; i++) box.deliver(msg(`m${i}`), "a", i, 10);
    expect(box.after(0).map((d) => d.seq)).toEqual([3, 4, 5]);
    expect(box.after(4).map((d) => d.seq)).toEqual([5]);
    box.deliver(msg("big"), "a", 6, 95);
    expect(box.after(0).map((d) => d.seq)).toEqual([6]); // 10 + 95 > 100: older ones go
  });
  it("a throwing subscriber is logged and does not stop the others", () => {
    const logs: LogLine[] = [];
    const box = new Inbox(10, captureLogger(logs));
    const got: number[] = [];
    box.subscribe(() => {
      throw new Error("boom");
    });
    const off = box.subscribe((d) => got.push(d.seq));
    box.deliver(msg("x"), "a", 1);
    off();
    box.deliver(msg("y"), "a", 2);
    expect(got).toEqual([1]);
    expect(logs.filter((l) => l.msg === "message listener failed")).toHaveLength(2);
  });
});
