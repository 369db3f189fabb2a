// The ack-clocked send window (src/relay/send-window.ts) the worker uses for backpressure.
import { describe, expect, it } from "vitest";
import { SendWindow } from "../../src/relay/index.ts";

describe("SendWindow", () => {
  it("counts bytes in flight until an echo acknowledges the ping sent after them", () => {
    const w = new SendWindow(100);
    w.sentBytes(40, false);
    expect(w.wantsProbe()).toBe(false); // 40 <= 50
    w.sentBytes(11, false);
    expect(w.wantsProbe()).toBe(true); // 51 > 50, nothing outstanding
    w.sentBytes(2, true); // the probe
    expect(w.wantsProbe()).toBe(false);
    w.sentBytes(30, false);
    expect(w.inFlight).toBe(83);
    w.echoed(); // acknowledges the 53 bytes up to and including the probe
    expect(w.inFlight).toBe(30);
    expect(w.outstanding).toBe(0);
    w.echoed(); // an unsolicited echo acknowledges nothing
    expect(w.inFlight).toBe(30);
  });

  it("echoes acknowledge pings in order; at most four pings are remembered", () => {
    const w = new SendWindow(1000);
    for (let i = 0; i < 6; i++) {
      w.sentBytes(10, false);
      w.sentBytes(2, true);
    }
    expect(w.outstanding).toBe(4);
    expect(w.inFlight).toBe(72);
    w.echoed(); // the oldest remembered ping: after the 3rd pair
    expect(w.inFlight).toBe(72 - 36);
    w.echoed();
    w.echoed();
    w.echoed();
    expect(w.inFlight).toBe(0);
  });
});
