import { describe, expect, it } from "vitest";
import { readConfig } from "#composition/config.ts";

describe("configuration", () => {
  it("names every missing variable at once", () => {
    expect(() => readConfig({})).toThrow("missing configuration: set TABLE_NAME, ARTIFACT_BUCKET");
  });

  it("takes the page-token key from PAGE_TOKEN_SECRET when set, and otherwise from the table", () => {
    const base = { TABLE_NAME: "t", ARTIFACT_BUCKET: "b" };
    expect(readConfig({ ...base, PAGE_TOKEN_SECRET: "s" }).pageTokenSecret).toBe("s");
    expect(readConfig(base).pageTokenSecret).toBeUndefined();
  });

  it("refuses upload URLs that outlive S3's 7-day limit", () => {
    expect(() =>
      readConfig({
        TABLE_NAME: "t",
        ARTIFACT_BUCKET: "b",
        PAGE_TOKEN_SECRET: "s",
        UPLOAD_URL_TTL_SECONDS: "700000",
      }),
    ).toThrow(/7 days/);
  });

  it("waits 7 days for approvals unless APPROVAL_TIMEOUT_SECONDS says otherwise, within a year", () => {
    const base = { TABLE_NAME: "t", ARTIFACT_BUCKET: "b", PAGE_TOKEN_SECRET: "s" };
    expect(readConfig(base).approvalTimeoutSeconds).toBe(7 * 24 * 3600);
    expect(readConfig({ ...base, APPROVAL_TIMEOUT_SECONDS: "60" }).approvalTimeoutSeconds).toBe(60);
    for (const bad of ["0", "1.5", "soon", String(366 * 24 * 3600)]) {
      expect(() => readConfig({ ...base, APPROVAL_TIMEOUT_SECONDS: bad }), bad).toThrow(
        /APPROVAL_TIMEOUT_SECONDS/,
      );
    }
  });

  it("takes the public API URL for approval links without its trailing slash", () => {
    const base = { TABLE_NAME: "t", ARTIFACT_BUCKET: "b", PAGE_TOKEN_SECRET: "s" };
    expect(readConfig(base).publicApiUrl).toBeUndefined();
    expect(readConfig({ ...base, PUBLIC_API_URL: "https://x.example/v1/" }).publicApiUrl).toBe(
      "https://x.example/v1",
    );
  });
});
