/**
 * The configuration tables of docs/configuration.md: the CDK context keys from `lib/context-keys.ts`
 * (defaults from `defaultRegistryConfig`) and the Lambda environment from
 * `functions/composition/environment.ts`, so each has one source.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { environmentVariables } from "../functions/composition/environment.ts";
import { type ContextKeyDoc, contextKeys } from "../lib/context-keys.ts";
import { defaultRegistryConfig, type RegistryConfig } from "../lib/registry-config.ts";
import type { GeneratedSection } from "./readme-sections.ts";

/** A default as the table shows it: `value`, or none. */
export function formatDefault(value: unknown): string {
  if (value === undefined) return "none";
  if (value instanceof Duration) return `\`${value.toDays()}\``;
  if (value === RemovalPolicy.RETAIN) return "`retain`";
  if (value === RemovalPolicy.DESTROY) return "`destroy`";
  if (Array.isArray(value)) return value.length === 0 ? "none" : `\`${value.join(",")}\``;
  return `\`${String(value)}\``;
}

export function formatContextTable(
  keys: Record<string, ContextKeyDoc<keyof RegistryConfig>> = contextKeys,
): string {
  const lines = ["| key | default | meaning |", "|---|---|---|"];
  for (const [key, doc] of Object.entries(keys)) {
    const value = doc.configField === undefined ? undefined : defaultRegistryConfig[doc.configField];
    lines.push(`| \`${key}\` | ${formatDefault(value)} | ${doc.meaning} |`);
  }
  return lines.join("\n");
}

export function formatEnvironmentTable(variables: Record<string, string> = environmentVariables): string {
  const lines = ["| variable | meaning |", "|---|---|"];
  for (const [name, meaning] of Object.entries(variables)) lines.push(`| \`${name}\` | ${meaning} |`);
  return lines.join("\n");
}

export const contextKeysSection: GeneratedSection = {
  name: "context-keys",
  source: "lib/context-keys.ts",
  render: () => formatContextTable(),
};

export const lambdaEnvironmentSection: GeneratedSection = {
  name: "lambda-environment",
  source: "functions/composition/environment.ts",
  render: () => formatEnvironmentTable(),
};
