import { describe, expect, it } from "vitest";
import { readConfig } from "#http/config.ts";

describe("configuration", () => {
  it("names every missing variable at once", () => {
    expect(() => readConfig({})).toThrow(
      "missing configuration: set TABLE_NAME, ARTIFACT_BUCKET, PAGE_TOKEN_SECRET or PAGE_TOKEN_SECRET_ARN",
    );
  });

  it("takes the secret from the environment or from Secrets Manager", () => {
    const base = { TABLE_NAME: "t", ARTIFACT_BUCKET: "b" };
    expect(readConfig({ ...base, PAGE_TOKEN_SECRET: "s" }).pageTokenSecret).toEqual({ value: "s" });
    expect(readConfig({ ...base, PAGE_TOKEN_SECRET_ARN: "arn:x" }).pageTokenSecret).toEqual({ arn: "arn:x" });
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
});
