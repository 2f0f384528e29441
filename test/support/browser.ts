/**
 * A real browser for the console's tests: playwright-core driving Debian's Chromium (never a
 * downloaded browser). When Chromium is missing the tests FAIL with the command that installs it
 * (`.ci/run` installs it on a fresh machine): a skipped browser suite would hide a broken console.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export function chromiumPath(): string {
  const configured = process.env.REGISTRY_CHROMIUM?.trim();
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(
        `REGISTRY_CHROMIUM names ${configured}, which does not exist: point it at a Chromium binary.`,
      );
    }
    return configured;
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      "Chromium is not installed, and the web console's tests need it: run `apt-get install -y chromium` " +
        "(Debian's package; .ci/run installs it), or set REGISTRY_CHROMIUM to a Chromium binary.",
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // As root (CI, containers) Chromium refuses its sandbox; the pages are the console's own.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules
 * and best practices). Evaluated through the DevTools protocol, so the console's CSP, which allows
 * no inline script, stays on.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${axeSource}\n;undefined`);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
