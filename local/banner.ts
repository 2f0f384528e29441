import type { DeliveryProblem, EventEnvelope } from "./event-bus.ts";
import { EVENT_STREAM_PATH } from "./event-stream.ts";
import type { LocalRegistry } from "./registry.ts";

/** What the banner reads; `events`, `workflows`, `handlers` and `customFunctions` are optional: a banner can describe a registry without them. */
export type BannerInput = Omit<
  LocalRegistry,
  | "events"
  | "workflows"
  | "handlers"
  | "customFunctions"
  | "registryCredentials"
  | "allowedOrigins"
  | "consoleUrl"
> &
  Partial<Pick<LocalRegistry, "events" | "workflows" | "handlers" | "customFunctions" | "consoleUrl">>;

/** The text `npm start` prints once the registry answers: where it is, who can call it, how. */
export function formatBanner(registry: BannerInput, startupMs: number): string {
  const example = registry.principals.find((p) => p.name === "publisher") ?? registry.principals[0];
  const lines = [
    `Model registry (local mode) is answering after ${(startupMs / 1000).toFixed(1)} s.`,
    "",
    `  API endpoint  ${registry.endpoint}  (SigV4, service execute-api, region ${registry.region})`,
    ...(registry.consoleUrl
      ? [`  Web console   ${registry.consoleUrl}  (pick a local principal on the page; this machine only)`]
      : []),
    `  Data folder   ${registry.dataDir ?? "(in memory, discarded on stop)"}`,
    `  DynamoDB      ${registry.dynamoEndpoint}  table ${registry.tableName}`,
    `  S3            ${registry.s3Endpoint}  bucket ${registry.bucket}`,
    ...(registry.events
      ? [
          `  Events        curl -N ${registry.endpoint}${EVENT_STREAM_PATH}  (Server-Sent Events, unsigned)${registry.events.poller ? "" : "  [stream poller off]"}`,
          `  Targets       ${registry.events.targets.map((t) => `${t.name} → ${t.url}`).join(", ") || "none (REGISTRY_LOCAL_TARGETS names a targets file)"}`,
        ]
      : []),
    ...(registry.workflows
      ? [
          `  Workflows     ${registry.workflows.endpoint}  (Step Functions: the transition workflow CDK synthesizes)`,
        ]
      : []),
    ...(registry.customFunctions
      ? [
          `  Lambda        ${
            Object.entries(registry.customFunctions)
              .map(([name, file]) => `${name} → ${file}`)
              .join(", ") ||
            "none of yours (REGISTRY_LOCAL_FUNCTIONS names a file of them: a policy's custom validation)"
          }`,
        ]
      : []),
    ...(registry.handlers?.origin.kind === "bundles"
      ? [
          `  Functions     the deployed bundles (lib/bundling/), built in ${(registry.handlers.origin.buildMs / 1000).toFixed(1)} s into ${registry.handlers.origin.directory}`,
        ]
      : []),
    "",
    "Local principals (fixed credentials that only work against this machine):",
  ];
  for (const p of registry.principals) {
    lines.push(
      `  ${p.name.padEnd(10)} role ${p.role.padEnd(10)} ${p.arn}`,
      `    export AWS_ACCESS_KEY_ID=${p.accessKeyId}`,
      `    export AWS_SECRET_ACCESS_KEY=${p.secretAccessKey}`,
    );
  }
  if (example) {
    lines.push(
      "",
      `Try it as ${example.name}:`,
      `  export REGISTRY_ENDPOINT=${registry.endpoint} AWS_REGION=${registry.region}`,
      `  export AWS_ACCESS_KEY_ID=${example.accessKeyId} AWS_SECRET_ACCESS_KEY=${example.secretAccessKey}`,
      `  curl --aws-sigv4 "aws:amz:${registry.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" ${registry.endpoint}/models`,
      "  npx registry models list",
    );
  }
  lines.push("", "Press Ctrl-C to stop.", "");
  return lines.join("\n");
}

/** One console line per published event: `[event] <detail-type> <model> seq=<n> v=<version>`. */
export function formatEventLine(event: EventEnvelope, matchedRules: readonly string[]): string {
  const { model, seq, version } = event.detail as { model?: unknown; seq?: unknown; version?: unknown };
  const rules = matchedRules.length > 0 ? `  (rule ${matchedRules.join(", ")})` : "";
  return `[event] ${event["detail-type"]} ${String(model)} seq=${String(seq)} v=${version === undefined ? "-" : String(version)}${rules}`;
}

/**
 * One console line per failed delivery attempt and per dead letter of a target, so a failing
 * target is seen where `npm start` runs, not only in `.local-data/dead-letters.jsonl`.
 */
export function formatDeliveryProblem(problem: DeliveryProblem): string {
  const { model, seq } = problem.event.detail as { model?: unknown; seq?: unknown };
  const what = `${problem.event["detail-type"]} ${String(model)} seq=${String(seq)}`;
  return problem.deadLetter
    ? `[dead-letter] ${what} → ${problem.target} (${problem.url}): gave up after ${problem.attempts} attempt(s): ${problem.error}`
    : `[delivery failed] ${what} → ${problem.target} (${problem.url}): attempt ${problem.attempt} of ${problem.attempts}: ${problem.error}; retrying`;
}
