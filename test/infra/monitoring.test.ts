import { readFileSync } from "node:fs";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { registryApp } from "../../lib/app.ts";
import { defaultRegistryConfig, type RegistryConfig } from "../../lib/registry-config.ts";
import { DASHBOARD_FREE_METRICS } from "../../lib/registry-monitoring.ts";
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
// Two whole apps, each bundling every function: past the suite's 60 s hook timeout on a busy machine.
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
}, 180_000);

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

/**
 * Evaluates an alarm's metric math on one period's values, the way CloudWatch does for these
 * expressions: `IF(condition, then, else)`, comparisons, arithmetic, metric ids.
 */
function evaluate(expression: string, values: Record<string, number>): number {
  if (!/^[A-Za-z0-9_\s().,>=<*/+-]+$/.test(expression))
    throw new Error(`unexpected expression ${expression}`);
  const IF = (condition: boolean, then: number, otherwise: number) => (condition ? then : otherwise);
  const run = new Function("IF", ...Object.keys(values), `return ${expression};`) as (
    ...args: unknown[]
  ) => number;
  return run(IF, ...Object.values(values));
}

describe("API error-rate alarms", () => {
  /** The alarm over `metricName`, and its value for one 5-minute period with these counts. */
  function rateAlarm(metricName: string) {
    const found = ofType(plain, "AWS::CloudWatch::Alarm").find(([, a]) =>
      JSON.stringify(propsOf(a).Metrics ?? []).includes(`"MetricName":"${metricName}"`),
    );
    const p = propsOf(found?.[1]);
    const metrics = p.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string } };
    }[];
    const idOf = (name: string) => metrics.find((m) => m.MetricStat?.Metric.MetricName === name)!.Id;
    const [expression] = metrics
      .filter((m) => m.Expression && m.ReturnData !== false)
      .map((m) => m.Expression!);
    const value = (requests: number, errors: number) =>
      evaluate(expression!, { [idOf("Count")]: requests, [idOf(metricName)]: errors });
    return {
      props: p,
      value,
      breaches: (requests: number, errors: number) => value(requests, errors) > (p.Threshold as number),
    };
  }

  it("5xx: a registry failing every request alarms at any traffic; one 5xx at low traffic does not", () => {
    const alarm = rateAlarm("5XXError");
    expect(alarm.props.ComparisonOperator).toBe("GreaterThanThreshold");
    // A quiet registry that fails every request: 10, or 3, requests in 5 minutes, all 5xx.
    expect(alarm.breaches(10, 10)).toBe(true);
    expect(alarm.breaches(3, 3)).toBe(true);
    // One failed request at night, or one among a few dozen: not a page.
    expect(alarm.breaches(1, 1)).toBe(false);
    expect(alarm.breaches(50, 1)).toBe(false);
    // At volume the rate decides.
    expect(alarm.breaches(10_000, 50)).toBe(false);
    expect(alarm.breaches(1_000, 20)).toBe(true);
    // No division by zero (CloudWatch has no Count datapoint while nothing arrives anyway).
    expect(alarm.value(0, 0)).toBe(0);
  });

  it("4xx: a client rejected on every call alarms after three periods; a few rejections do not", () => {
    const alarm = rateAlarm("4XXError");
    expect(alarm.props.EvaluationPeriods).toBe(3);
    expect(alarm.props.DatapointsToAlarm).toBe(3);
    expect(alarm.breaches(15, 15)).toBe(true);
    expect(alarm.breaches(5, 5)).toBe(false);
    expect(alarm.breaches(1_000, 100)).toBe(false);
    expect(alarm.breaches(1_000, 300)).toBe(true);
    expect(alarm.value(0, 0)).toBe(0);
  });

  it("are graphed as the plain rate: a quiet registry's failures show on the dashboard", () => {
    const graph = widgets(plain).find((w) => w.properties.title === "API error rates")!;
    const expressions = graph.properties.metrics!.flatMap((row) =>
      row.filter(
        (v): v is { expression: string } & Json => typeof v === "object" && v !== null && "expression" in v,
      ),
    );
    expect(expressions.map((e) => e.expression).sort()).toEqual([
      "errors4xx / requests",
      "errors5xx / requests",
    ]);
  });
});

describe("dead-letter queue alarms", () => {
  it("watch every queue (each is a dead-letter queue), fire on the first message, and keep their state while SQS is silent", () => {
    const queues = ofType(full, "AWS::SQS::Queue").map(([id]) => `{${id}.QueueName}`);
    // The publisher's, the verifier's, the workflow rule's and the webhooks'.
    expect(queues).toHaveLength(4);
    const depthAlarms = ofType(full, "AWS::CloudWatch::Alarm")
      .map(([, a]) => propsOf(a))
      .filter((p) => p.Namespace === "AWS/SQS");
    expect(depthAlarms.map((p) => dimensionsOf(p.Dimensions).QueueName).sort()).toEqual([...queues].sort());
    for (const p of depthAlarms) {
      expect(p).toMatchObject({
        MetricName: "ApproximateNumberOfMessagesVisible",
        Statistic: "Maximum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        // SQS stops publishing six hours after the last call on a queue, messages or not: with
        // notBreaching the alarm would clear (and notify OK) while undelivered messages wait.
        TreatMissingData: "ignore",
      });
    }
  });
});

describe("alarm notifications", () => {
  const warnings = (s: Synth) =>
    Annotations.fromStack(s.stacks.api)
      .findWarning("*", Match.anyValue())
      .map((w) => String(w.entry.data));

  it("warn at synth when no destination is configured: alarms without actions tell nobody", () => {
    expect(warnings(plain).filter((w) => /notify nobody.*alarmEmail.*alarmTopicArn/.test(w))).toHaveLength(1);
    expect(warnings(full).filter((w) => /notify nobody/.test(w))).toEqual([]);
  });
});

describe("the dashboard", () => {
  it("graphs at most the 50 metrics CloudWatch's free tier covers, with and without webhooks", () => {
    for (const app of [plain, full]) {
      const metrics = widgetMetrics(app);
      // Every metric row counts, hidden ones feeding a math expression too.
      expect(metrics.length).toBeGreaterThan(30);
      expect(metrics.length).toBeLessThanOrEqual(DASHBOARD_FREE_METRICS);
    }
  });
});

describe("docs/alarms-and-cost.md", () => {
  const readme = readFileSync(new URL("../../docs/alarms-and-cost.md", import.meta.url), "utf8");
  const alarmsSection = readme.slice(readme.indexOf("## Alarms"), readme.indexOf("## What it costs"));
  /** Every alarm's construct id, the monitoring's and those it was handed (the publisher's). */
  const alarmIds = (s: Synth) => [
    ...s.stacks.api.monitoring.alarms.map((a) => a.node.id),
    s.stacks.api.eventPublisher.deadLetterAlarm.node.id,
  ];

  it("names every alarm in its Alarms table (`<Function>Errors` stands for one per function)", () => {
    const names = [...alarmsSection.matchAll(/`([A-Za-z0-9<>]+)`/g)].map(([, name]) => name!);
    const patterns = names.map((name) => new RegExp(`^${name.replace(/<[A-Za-z]+>/g, "[A-Za-z]+")}$`));
    expect(alarmIds(full).length).toBe(ofType(full, "AWS::CloudWatch::Alarm").length);
    for (const id of alarmIds(full))
      expect(
        patterns.some((p) => p.test(id)),
        id,
      ).toBe(true);
  });

  it("prices as many alarms as the app has, with and without webhooks", () => {
    const alarms = ofType(plain, "AWS::CloudWatch::Alarm").length;
    expect(ofType(full, "AWS::CloudWatch::Alarm").length).toBe(alarms + 1);
    expect(readme).toContain(`| ${alarms} alarms (${alarms + 1} with \`webhooks\`)`);
  });

  it("states the idle cost the default app's billed-while-idle resources add up to: alarm metrics, no secret", () => {
    // CloudWatch bills an alarm per metric it reads: a metric-math alarm once per metric it queries.
    const alarmMetrics = ofType(plain, "AWS::CloudWatch::Alarm")
      .map(([, alarm]) => (alarm.Properties as { Metrics?: { MetricStat?: unknown }[] }).Metrics)
      .reduce((sum, metrics) => sum + (metrics ? metrics.filter((m) => m.MetricStat).length : 1), 0);
    // The page-token key is an item of the table: neither stack holds a Secrets Manager secret.
    const secrets = [plain.stacks.data, plain.stacks.api]
      .map((stack) => Template.fromStack(stack).findResources("AWS::SecretsManager::Secret"))
      .reduce((sum, found) => sum + Object.keys(found).length, 0);
    expect(secrets).toBe(0);
    const idle = (alarmMetrics * 0.1 + secrets * 0.4).toFixed(2);
    expect(readme).toContain(`**Idle, a deployment costs about $${idle} a month**`);
    expect(readme).toContain(`| **Idle** (deployed, no traffic) | see [Idle](#idle) below | **$${idle}** |`);
    expect(readme).toContain(`| **total** | **$${idle}** |`);
    // The front door says it too, with the alarms' count.
    const front = readFileSync(new URL("../../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    const alarms = ofType(plain, "AWS::CloudWatch::Alarm").length;
    expect(front).toContain(
      `the default app costs about **$${idle} a month** (its ${alarms} CloudWatch alarms)`,
    );
  });
});
