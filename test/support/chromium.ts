import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); CHROMIUM_PATH for another one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches the browser, or fails naming the missing peer: the browser tests never skip
 * (issue 25). `npm test` installs Chromium first (scripts/test-peers.sh).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `missing test peer: Chromium (no ${CHROMIUM}). Install it with \`apt-get install chromium\` ` +
        '(npm test does as root: scripts/test-peers.sh), or set CHROMIUM_PATH. The browser tests never skip.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
