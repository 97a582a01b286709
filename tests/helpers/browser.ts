import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * Debian's Chromium (apt-get install chromium), driven by playwright-core.
 * ROTA_CHROMIUM points elsewhere. Missing: the browser tests skip, loudly,
 * except under CI=true, where a missing browser fails the run.
 */
export const CHROMIUM = process.env.ROTA_CHROMIUM ?? "/usr/bin/chromium";

export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set ROTA_CHROMIUM)`;
  if (process.env.CI === "true") throw new Error(`${message}: CI must run them`);
  console.warn(`\n!!! SKIPPING the browser tests: ${message}\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}
