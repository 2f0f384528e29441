import { describe, expect, it } from "vitest";
import { registryCredentialsFor } from "../../../local/registry-credentials.ts";

describe("the registry's local identity", () => {
  it("derives an IAM-shaped key id from the secret: the same secret, the same key; another secret, another key", () => {
    const secret = "a".repeat(40);
    const { accessKeyId } = registryCredentialsFor(secret);
    expect(accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(registryCredentialsFor(secret).accessKeyId).toBe(accessKeyId);
    expect(registryCredentialsFor("b".repeat(40)).accessKeyId).not.toBe(accessKeyId);
    expect(accessKeyId).not.toMatch(/^AKIALOCAL/);
  });
});
