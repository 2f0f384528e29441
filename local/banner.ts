import type { LocalRegistry } from "./registry.ts";

/** The text `npm start` prints once the registry answers: where it is, who can call it, how. */
export function formatBanner(registry: LocalRegistry, startupMs: number): string {
  const example = registry.principals.find((p) => p.name === "publisher") ?? registry.principals[0];
  const lines = [
    `Model registry (local mode) is answering after ${(startupMs / 1000).toFixed(1)} s.`,
    "",
    `  API endpoint  ${registry.endpoint}  (SigV4, service execute-api, region ${registry.region})`,
    `  Data folder   ${registry.dataDir ?? "(in memory, discarded on stop)"}`,
    `  DynamoDB      ${registry.dynamoEndpoint}  table ${registry.tableName}`,
    `  S3            ${registry.s3Endpoint}  bucket ${registry.bucket}`,
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
