// Debian's Chromium driven by playwright-core, as every browser test launches it.
import { type Browser, chromium } from "playwright-core";

// Without the background-networking flags Chromium keeps dialling Google on a closed network.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });
}
