/** Request bodies the benchmark sends: shaped like what a training pipeline publishes. */
import { createHash } from "node:crypto";

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function createModelBody(name: string): Record<string, unknown> {
  return {
    name,
    description: "Gradient-boosted fraud scorer for card-not-present transactions",
    owner: "risk-ml",
    tags: { team: "risk", domain: "payments" },
  };
}

/**
 * A realistic create-version body: 3 metrics, 3 params, a lineage with a dataset, a small
 * signature (3 inputs, 1 output) and 2 artifacts. `n` varies the numbers, hashes and run ids so
 * no two versions are identical.
 */
export function createVersionBody(n: number): Record<string, unknown> {
  const runId = sha256Hex(`run-${n}`).slice(0, 32);
  return {
    description: `nightly retrain #${n}`,
    metrics: {
      auc: 0.9 + (n % 97) / 10000,
      accuracy: 0.95 + (n % 89) / 10000,
      logloss: 0.2 - (n % 83) / 10000,
    },
    params: { learning_rate: "0.05", max_depth: String(6 + (n % 3)), n_estimators: "400" },
    tags: { pipeline: "nightly" },
    lineage: {
      runId,
      runUri: `https://mlflow.example.com/#/experiments/7/runs/${runId}`,
      gitRepo: "https://github.com/example/fraud-models",
      gitCommit: sha256Hex(`commit-${n}`).slice(0, 40),
      datasets: [
        {
          name: "transactions-train",
          uri: `s3://example-datasets/transactions/2024-06-${String((n % 28) + 1).padStart(2, "0")}/`,
          digest: `sha256:${sha256Hex(`dataset-${n}`)}`,
        },
      ],
    },
    signature: {
      inputs: [
        { name: "amount", type: "float32", shape: [-1, 1] },
        { name: "merchant_category", type: "string", shape: [-1, 1] },
        { name: "features", type: "float32", shape: [-1, 32] },
      ],
      outputs: [{ name: "fraud_probability", type: "float32", shape: [-1, 1] }],
    },
    framework: "xgboost",
    format: "onnx",
    artifacts: [
      {
        path: "model.onnx",
        size: 4_718_592 + n,
        sha256: sha256Hex(`model-${n}`),
        contentType: "application/octet-stream",
      },
      {
        path: "requirements.txt",
        size: 212,
        sha256: sha256Hex(`requirements-${n}`),
        contentType: "text/plain",
      },
    ],
  };
}
