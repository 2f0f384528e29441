import { spawnSync } from "node:child_process";
import { LocalModeError } from "./local-mode-error.ts";

const MINIMUM_JAVA = 17;
const INSTALL_HINT =
  "install a JRE (for example `apt-get install openjdk-17-jre-headless`) and run npm start again";

/**
 * `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` or, before Java 9,
 * `java version "1.8.0_392"` (major version 8). Returns undefined when there is no version string.
 */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Throws a one-sentence `LocalModeError` unless `java` on PATH is Java 17 or newer (DynamoDB Local 3.x needs it). */
export function assertJavaAvailable(): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8", timeout: 15_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new LocalModeError(
        `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and \`java\` was not found on PATH: ${INSTALL_HINT}.`,
      );
    }
    throw new LocalModeError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and \`java -version\` failed (${result.error.message}): ${INSTALL_HINT}.`,
    );
  }
  const major = parseJavaMajorVersion(`${result.stderr}\n${result.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA) {
    const found = major === undefined ? "an unrecognised version" : `version ${major}`;
    throw new LocalModeError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer, and \`java\` on PATH is ${found}: ${INSTALL_HINT}.`,
    );
  }
}
