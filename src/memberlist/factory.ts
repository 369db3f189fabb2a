// The memberlist factory a runtime calls: a member on the platform's clock, randomness and logger, with
// the platform's "memberlist-crc" hot path for the hasCrc packet layer.
import type { Platform } from "../platform/index.ts";
import type { Transport } from "../transport/index.ts";
import type { MemberlistConfig } from "./config.ts";
import { Memberlist } from "./memberlist.ts";

/** Creates a member speaking through `transport` (Memberlist.create with the platform's seams). */
export function createMemberlist(platform: Platform, config: MemberlistConfig, transport: Transport): Promise<Memberlist> {
  const hp = platform.hotpath.for("memberlist-crc");
  return Memberlist.create(config, {
    transport,
    clock: platform.clock,
    random: platform.random,
    logger: platform.logger,
    crc32: (data) => hp.crc32(data),
  });
}
