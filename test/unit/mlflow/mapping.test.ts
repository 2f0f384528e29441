import { describe, expect, it } from "vitest";
import { STAGES, VERSION_STATUSES } from "#core/schemas/vocabulary.ts";
import type { ModelVersion } from "#core/schemas.ts";
import {
  fromMlflowStage,
  fromMlflowStatus,
  fromMlflowTags,
  lineageOf,
  MLFLOW_STAGES,
  MLFLOW_STATUSES,
  toMlflowModel,
  toMlflowStage,
  toMlflowStatus,
  toMlflowTags,
  toMlflowVersion,
  versionNumberOf,
} from "../../../functions/mlflow/mapping.ts";

describe("the MLflow mapping", () => {
  it("maps every registry status to one MLflow status, and each MLflow status back to exactly those", () => {
    expect(Object.fromEntries(VERSION_STATUSES.map((s) => [s, toMlflowStatus(s)]))).toEqual({
      PENDING_UPLOAD: "PENDING_REGISTRATION",
      VERIFYING: "PENDING_REGISTRATION",
      READY: "READY",
      FAILED: "FAILED_REGISTRATION",
      ABANDONED: "FAILED_REGISTRATION",
    });
    for (const status of VERSION_STATUSES) expect(fromMlflowStatus(toMlflowStatus(status))).toContain(status);
    for (const mlflow of MLFLOW_STATUSES) {
      const back = fromMlflowStatus(mlflow);
      expect(back.length, mlflow).toBeGreaterThan(0);
      for (const status of back) expect(toMlflowStatus(status)).toBe(mlflow);
    }
  });

  it("maps the four stages both ways, reading MLflow's names in any case", () => {
    expect(STAGES.map(toMlflowStage)).toEqual(["None", "Staging", "Production", "Archived"]);
    for (const stage of STAGES) expect(fromMlflowStage(toMlflowStage(stage))).toBe(stage);
    for (const label of MLFLOW_STAGES) expect(toMlflowStage(fromMlflowStage(label)!)).toBe(label);
    expect(fromMlflowStage("production")).toBe("production");
    expect(fromMlflowStage(" NONE ")).toBe("development");
    expect(fromMlflowStage("development")).toBeUndefined();
    expect(fromMlflowStage("Prod")).toBeUndefined();
  });

  it("maps run_id and run_link to the lineage and back", () => {
    expect(lineageOf({ run_id: "abc", run_link: "http://x/runs/abc" })).toEqual({
      runId: "abc",
      runUri: "http://x/runs/abc",
    });
    expect(lineageOf({ run_id: "" })).toEqual({});
    const view = toMlflowVersion(
      version({ lineage: { runId: "abc", runUri: "http://x/runs/abc" } }),
      "s3://b/k",
    );
    expect(lineageOf(view)).toEqual({ runId: "abc", runUri: "http://x/runs/abc" });
  });

  it("maps tags both ways; a key given twice keeps its last value; __proto__ stays a plain key", () => {
    const tags = { team: "risk", "a b": "c d" };
    expect(fromMlflowTags(toMlflowTags(tags))).toEqual(tags);
    expect(
      fromMlflowTags([
        { key: "k", value: "1" },
        { key: "k", value: "2" },
      ]),
    ).toEqual({ k: "2" });
    const odd = fromMlflowTags([{ key: "__proto__", value: "x" }]);
    expect(Object.keys(odd)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
  });

  it("writes a version in MLflow's shape: string version, millisecond timestamps, MLflow's stage and status", () => {
    expect(toMlflowVersion(version({}), "s3://bucket/models/fraud/versions/3")).toEqual({
      name: "fraud",
      version: "3",
      creation_timestamp: Date.parse("2026-01-02T03:04:05.678Z"),
      last_updated_timestamp: Date.parse("2026-01-03T00:00:00.000Z"),
      user_id: "arn:aws:iam::1:user/alice",
      current_stage: "Staging",
      description: "",
      source: "s3://bucket/models/fraud/versions/3",
      run_id: "",
      status: "PENDING_REGISTRATION",
      status_message: expect.stringContaining("VERIFYING"),
      tags: [{ key: "dataset", value: "q3" }],
      run_link: "",
      aliases: ["champion"],
    });
  });

  it("writes a model with its aliases as {alias, version} strings", () => {
    const model = toMlflowModel({
      name: "fraud",
      tags: {},
      policy: {},
      latestVersion: 3,
      stages: {},
      aliases: { champion: 3 },
      createdAt: "2026-01-02T03:04:05.678Z",
      createdBy: "alice",
      updatedAt: "2026-01-02T03:04:05.678Z",
      updatedBy: "alice",
      etag: '"1"',
    });
    expect(model).toMatchObject({
      name: "fraud",
      aliases: [{ alias: "champion", version: "3" }],
      description: "",
    });
    expect(model.creation_timestamp).toBe(Date.parse("2026-01-02T03:04:05.678Z"));
  });

  it("reads MLflow's version strings as whole positive numbers only", () => {
    expect(versionNumberOf("3")).toBe(3);
    expect(versionNumberOf(" 12 ")).toBe(12);
    expect(versionNumberOf(4)).toBe(4);
    for (const bad of ["0", "-1", "1.5", "1e3", "", "x", "9999999999999999", undefined, 0, 1.5]) {
      expect(versionNumberOf(bad as string), String(bad)).toBeUndefined();
    }
  });
});

function version(fields: Partial<ModelVersion>): ModelVersion {
  return {
    model: "fraud",
    version: 3,
    status: "VERIFYING",
    stage: "staging",
    metrics: {},
    params: {},
    tags: { dataset: "q3" },
    artifacts: [],
    aliases: ["champion"],
    createdAt: "2026-01-02T03:04:05.678Z",
    createdBy: "arn:aws:iam::1:user/alice",
    updatedAt: "2026-01-03T00:00:00.000Z",
    updatedBy: "arn:aws:iam::1:user/alice",
    etag: '"1"',
    ...fields,
  };
}
