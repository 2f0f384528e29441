import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/**
 * A fresh temporary directory for the tests of the enclosing `describe`, removed after them. Call
 * the returned function inside a test for its path.
 */
export function temporaryDirectory(): () => string {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "registry-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}
