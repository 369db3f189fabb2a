// Smoke test for the Node pool: the suite runs on the Node 22 the project requires.
import { expect, it } from "vitest";
it("runs on node 22", () => { expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22); });
