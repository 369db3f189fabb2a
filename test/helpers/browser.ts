// Headless Chromium from Debian (/usr/bin/chromium, `apt-get install chromium`; .ci/run installs it),
// driven by playwright-core (which downloads no browser of its own). The flags keep Chromium off the
// network (this machine has none besides loopback); playwright gives every launch a new empty profile.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.GOSSAMER_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
