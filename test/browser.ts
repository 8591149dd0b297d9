import { existsSync, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); never a browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** True when Chromium is installed; under CI=true a missing browser fails the run instead of skipping. */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true") throw new Error(`Chromium missing under CI: ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`skipping: ${CHROMIUM} not found`);
  return false;
}

/**
 * Headless Chromium with a fresh profile, no background traffic (this machine's network is closed: without these
 * flags Chromium keeps trying Google's hosts) and, when given, a video file playing as the camera.
 */
export async function launchChromium(options: { fakeCamera?: string; proxy?: string } = {}): Promise<BrowserContext> {
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-pings",
  ];
  if (options.proxy) {
    // Everything through the proxy, loopback too (Chromium bypasses proxies for loopback unless told not to).
    args.push(`--proxy-server=${options.proxy}`, "--proxy-bypass-list=<-loopback>");
  }
  if (options.fakeCamera) {
    args.push(
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${options.fakeCamera}`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "hg-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
  });
  // Chromium may still be writing its profile as the context closes: retry, and never fail a test over it.
  context.on("close", () => {
    rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => {});
  });
  return context;
}
