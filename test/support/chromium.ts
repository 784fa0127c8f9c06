import { existsSync } from 'node:fs';

/** Debian's Chromium (.ci/run installs it); CHROMIUM_PATH for another one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Outside CI a developer without Chromium still gets a green run of everything else; in CI
 * (CI=true, where .ci/run installs it) the browser tests always run, and fail if it is absent.
 */
export const HAS_CHROMIUM = existsSync(CHROMIUM) || process.env.CI === 'true';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Says on stderr which browser test does not run here, and why (CI installs Chromium). */
export function reportMissingChromium(what: string): void {
  if (HAS_CHROMIUM) return;
  process.stderr.write(
    `${what} not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`,
  );
}
