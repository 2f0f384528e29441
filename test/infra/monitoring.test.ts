import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { defaultRegistryConfig, type RegistryConfig } from "../../lib/registry-config.ts";
import { addRegistryStacks, type RegistryStacks } from "../../lib/registry-stacks.ts";
import {
  assertHandlerEntriesExist,
  type CfnResource,
  type Json,
  propsOf,
  render,
} from "./template-support.ts";

/**
 * Alarms and dashboard widgets read against the metrics AWS publishes: a wrong namespace, name
 * or dimension synthesizes fine and deploys an alarm that never fires, so each is checked here.
 */

interface Synth {
  stacks: RegistryStacks;
  resources: Record<string, CfnResource>;
}

function synth(config: RegistryConfig): Synth {
  assertHandlerEntriesExist();
  const stacks = addRegistryStacks(registryApp(), config);
  return { stacks, resources: Template.fromStack(stacks.api).toJSON().Resources };
}

let plain: Synth;
let full: Synth;
beforeAll(() => {
  plain = synth(defaultRegistryConfig);
  full = synth({
    ...defaultRegistryConfig,
    alarmEmail: "oncall@example.com",
    webhooks: [
      {
        name: "Deployer",
        endpoint: "https://deploy.example.com/hooks",
        pattern: { "detail-type": ["Model Version Stage Changed"] },
        secretName: "registry/webhooks/deployer",
      },
    ],
  });
});

const ofType = (s: Synth, type: string) => Object.entries(s.resources).filter(([, r]) => r.Type === type);

/** A metric as an alarm or a widget names it; dimension values rendered (`{Ref:X}`, `{X.QueueName}`). */
interface MetricRef {
  where: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  stat: string;
}

function dimensionsOf(list: Json | undefined): Record<string, string> {
  const entries = (list ?? []) as { Name: string; Value: Json }[];
  return Object.fromEntries(entries.map((d) => [d.Name, render(d.Value)]));
}

/** Every metric of every alarm: its single metric, or each `MetricStat` of its metric math. */
function alarmMetrics(s: Synth): MetricRef[] {
  return ofType(s, "AWS::CloudWatch::Alarm").flatMap(([id, alarm]) => {
    const p = propsOf(alarm);
    if (p.MetricName) {
      return [
        {
          where: id,
          namespace: p.Namespace as string,
          name: p.MetricName as string,
          dimensions: dimensionsOf(p.Dimensions),
          stat: (p.Statistic ?? p.ExtendedStatistic) as string,
        },
      ];
    }
    return (p.Metrics as { MetricStat?: { Metric: Record<string, Json>; Stat: string } }[])
      .filter((m) => m.MetricStat)
      .map(({ MetricStat }) => ({
        where: id,
        namespace: MetricStat!.Metric.Namespace as string,
        name: MetricStat!.Metric.MetricName as string,
        dimensions: dimensionsOf(MetricStat!.Metric.Dimensions),
        stat: MetricStat!.Stat,
      }));
  });
}

type Widget = { type: string; properties: { title: string; metrics?: Json[][] } };

/** The dashboard's widgets, its body rendered (every token sits inside a JSON string). */
function widgets(s: Synth): Widget[] {
  const [[, dashboard]] = ofType(s, "AWS::CloudWatch::Dashboard") as [[string, CfnResource]];
  return (JSON.parse(render(propsOf(dashboard).DashboardBody as Json)) as { widgets: Widget[] }).widgets;
}

/** Every metric a graph widget plots (`[namespace, name, dim, value, …, {options}]`). */
function widgetMetrics(s: Synth): MetricRef[] {
  return widgets(s).flatMap((w) =>
    (w.properties.metrics ?? [])
      .filter((row) => typeof row[0] === "string")
      .map((row) => {
        const options = (typeof row.at(-1) === "object" ? row.at(-1) : {}) as { stat?: string };
        const pairs = row.slice(2).filter((v) => typeof v === "string") as string[];
        const dimensions: Record<string, string> = {};
        for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
        return {
          where: `widget "${w.properties.title}"`,
          namespace: row[0] as string,
          name: row[1] as string,
          dimensions,
          stat: options.stat ?? "Average",
        };
      }),
  );
}

const allMetrics = (s: Synth) => [...alarmMetrics(s), ...widgetMetrics(s)];

describe("API Gateway metrics", () => {
  const restApi = (s: Synth) =>
    propsOf((ofType(s, "AWS::ApiGateway::RestApi") as [[string, CfnResource]])[0][1]);
  const stageRef = (s: Synth) =>
    `{Ref:${(ofType(s, "AWS::ApiGateway::Stage") as [[string, CfnResource]])[0][0]}}`;

  it("name the API after its stack, since API Gateway publishes metrics by API name (unique per account and region)", () => {
    // CloudFormation stack names are unique per account and region; CDK's default, the construct
    // id ("Api"), is shared by every RestApi made without a name.
    expect(restApi(plain).Name).toBe(plain.stacks.api.stackName);
  });

  it("are the stage's, by ApiName and Stage exactly as API Gateway publishes them without detailed metrics", () => {
    const apiMetrics = allMetrics(plain).filter((m) => m.namespace === "AWS/ApiGateway");
    // Not vacuous: the two error-rate alarms and the API widgets.
    expect(new Set(apiMetrics.map((m) => m.name))).toEqual(
      new Set(["Count", "5XXError", "4XXError", "Latency", "IntegrationLatency"]),
    );
    for (const metric of apiMetrics) {
      expect(metric.dimensions, `${metric.where}: ${metric.name}`).toEqual({
        ApiName: restApi(plain).Name,
        Stage: stageRef(plain),
      });
    }
  });

  it("count requests with SampleCount, the statistic API Gateway documents for Count", () => {
    const counts = allMetrics(plain).filter((m) => m.namespace === "AWS/ApiGateway" && m.name === "Count");
    expect(counts.length).toBeGreaterThan(0);
    for (const metric of counts) expect(metric.stat, metric.where).toBe("SampleCount");
  });
});

describe("every alarm and widget", () => {
  /** The dimensions each namespace publishes the registry's metrics with, and what each value must be. */
  const published: Record<
    string,
    { names: string[]; dimension: string; valueOf: (s: Synth) => Set<string> }
  > = {
    "AWS/Lambda": {
      names: ["Invocations", "Errors", "Throttles", "Duration", "IteratorAge"],
      dimension: "FunctionName",
      valueOf: (s) => new Set(ofType(s, "AWS::Lambda::Function").map(([id]) => `{Ref:${id}}`)),
    },
    "AWS/SQS": {
      names: ["ApproximateNumberOfMessagesVisible"],
      dimension: "QueueName",
      valueOf: (s) => new Set(ofType(s, "AWS::SQS::Queue").map(([id]) => `{${id}.QueueName}`)),
    },
    "AWS/States": {
      names: ["ExecutionsFailed", "ExecutionsTimedOut"],
      dimension: "StateMachineArn",
      valueOf: (s) => new Set(ofType(s, "AWS::StepFunctions::StateMachine").map(([id]) => `{Ref:${id}}`)),
    },
  };

  it.each([
    ["default", () => plain],
    ["with an alarm email and a webhook", () => full],
  ])(
    "names a metric AWS publishes, with its one dimension pointing at a resource of the stack (%s)",
    (_, get) => {
      const s = get();
      const others = allMetrics(s).filter((m) => m.namespace !== "AWS/ApiGateway");
      expect(others.length).toBeGreaterThan(0);
      for (const metric of others) {
        const spec = published[metric.namespace];
        expect(spec, `${metric.where}: namespace ${metric.namespace}`).toBeDefined();
        expect(spec!.names, `${metric.where}`).toContain(metric.name);
        expect(Object.keys(metric.dimensions), `${metric.where}: ${metric.name}`).toEqual([spec!.dimension]);
        expect(
          spec!.valueOf(s).has(metric.dimensions[spec!.dimension]!),
          `${metric.where}: ${metric.name}`,
        ).toBe(true);
      }
    },
  );
});
