import { Annotations, Duration, Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  Alarm,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { type ITopic, Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { IStateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";

const FIVE_MINUTES = Duration.minutes(5);

/**
 * CloudWatch's free tier covers three dashboards of up to 50 metrics each; a dashboard graphing
 * more costs $3 a month, idle or not. The registry's dashboard stays within it (a test counts).
 */
export const DASHBOARD_FREE_METRICS = 50;

/** Thresholds, in one place; the README's "Alarms" table names them rather than repeating them. */
export const alarmThresholds = {
  /** Share of requests answered 5xx over 5 minutes, once at least `api5xxMinErrors` were. */
  api5xxRate: 0.01,
  api5xxMinErrors: 3,
  /**
   * Share of requests answered 4xx over 5 minutes, once at least `api4xxMinErrors` were, three
   * periods running (a broken client, or someone probing without rights).
   */
  api4xxRate: 0.2,
  api4xxMinErrors: 10,
  /** p99 duration, as a share of the function's timeout. */
  p99DurationOfTimeout: 0.8,
  /** Age of the oldest stream record the publisher has not handled yet. */
  streamIteratorAge: Duration.minutes(5),
} as const;

export interface RegistryMonitoringProps {
  api: RestApi;
  /** Every function of the registry, by a readable name (more with `addFunction`). */
  functions: Record<string, LambdaFunction>;
  /** Dead-letter queues by name: any message in one is an event or a job that was not delivered. */
  deadLetterQueues: Record<string, IQueue>;
  /** The stream publisher, whose IteratorAge says how far events lag behind commits. */
  streamPublisher: LambdaFunction;
  /** Alarms made elsewhere (e.g. the publisher's DLQ alarm): get the same actions and a widget. */
  existingAlarms?: readonly Alarm[];
  /** The stage-transition workflow, when the stack has one: failures and timeouts alarm. */
  stateMachine?: IStateMachine;
  /** Where alarms notify: an existing topic, or a new one with this email subscribed. */
  alarmTopicArn?: string | undefined;
  alarmEmail?: string | undefined;
  dashboardName?: string;
}

/**
 * The registry's alarms and its CloudWatch dashboard: API error rates, per-function errors,
 * throttles and p99 duration, dead-letter queues, the stream publisher's lag, and the workflow's
 * failures and timeouts. Every alarm notifies the optional SNS topic.
 */
export class RegistryMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly alarmTopic: ITopic | undefined;
  private readonly alarmAction: SnsAction | undefined;

  constructor(scope: Construct, id: string, props: RegistryMonitoringProps) {
    super(scope, id);
    this.alarmTopic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn)
      : props.alarmEmail
        ? new Topic(this, "AlarmTopic", { displayName: "Model registry alarms", enforceSSL: true })
        : undefined;
    if (this.alarmTopic instanceof Topic && props.alarmEmail) {
      this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      // enforceSSL gives the topic a policy of its own, which replaces SNS's default policy (the
      // one that lets the account, and so CloudWatch on its behalf, publish): without this allow
      // every alarm action fails with "no resource-based policy allows the SNS:Publish action".
      // Only this account's alarms, in this region (the confused-deputy conditions CloudWatch sets).
      const { partition, region, account } = Stack.of(this);
      this.alarmTopic.addToResourcePolicy(
        new PolicyStatement({
          sid: "AllowCloudWatchAlarmsToPublish",
          principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
          actions: ["sns:Publish"],
          resources: [this.alarmTopic.topicArn],
          conditions: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          },
        }),
      );
      acknowledge(
        this.alarmTopic,
        "Serverless-SNSRedrivePolicy",
        "An email subscription for alarm notices: SNS retries delivery, and the alarm's state stays visible in CloudWatch; a dead-letter queue for undelivered alarm emails would be a queue nobody reads",
      );
      acknowledge(
        this.alarmTopic,
        "AwsSolutions-SNS2",
        "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and alarm notifications carry only alarm names and states; TLS is enforced",
      );
    }
    this.alarmAction = this.alarmTopic ? new SnsAction(this.alarmTopic) : undefined;
    if (!this.alarmTopic) {
      // Alarms without actions change state in the console and tell nobody.
      Annotations.of(this).addWarningV2(
        "model-registry:alarms-notify-nobody",
        "No alarm destination: the alarms notify nobody. Set context alarmEmail (a new topic with that address subscribed) or alarmTopicArn (an existing topic).",
      );
    }
    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    // API: error rates. The stage's metrics (dimensions ApiName and Stage, as API Gateway
    // publishes them without detailed metrics); ApiName is the API's name, which RegistryApi
    // makes unique. Count's statistic is SampleCount, the one API Gateway documents for it.
    const stage = props.api.deploymentStage;
    const count = stage.metricCount({ period: FIVE_MINUTES, statistic: "SampleCount" });
    const errors5xx = stage.metricServerError({ period: FIVE_MINUTES, statistic: "Sum" });
    const errors4xx = stage.metricClientError({ period: FIVE_MINUTES, statistic: "Sum" });
    // The guard is a minimum number of *errors*, not of requests: one failed request at night is
    // not a 100% error rate, but a registry that fails every request is an incident however few
    // callers it has (the handlers answer every error with a 500, so Lambda's Errors counts only
    // crashes and timeouts, and this alarm is the only one that sees the rest). At least one
    // error means at least one request: no division by zero.
    const rate = (errors: IMetric, id: string, minErrors: number, label: string) => ({
      guarded: new MathExpression({
        expression: `IF(${id} >= ${minErrors}, ${id} / requests, 0)`,
        usingMetrics: { [id]: errors, requests: count },
        period: FIVE_MINUTES,
        label,
      }),
      // The dashboard shows the rate itself (Count has no datapoint while nothing arrives).
      plain: new MathExpression({
        expression: `${id} / requests`,
        usingMetrics: { [id]: errors, requests: count },
        period: FIVE_MINUTES,
        label,
      }),
    });
    const rate5xx = rate(errors5xx, "errors5xx", alarmThresholds.api5xxMinErrors, "5xx rate");
    const rate4xx = rate(errors4xx, "errors4xx", alarmThresholds.api4xxMinErrors, "4xx rate");
    const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
    this.alarm(
      "Api5xxRate",
      rate5xx.guarded,
      alarmThresholds.api5xxRate,
      `API answers 5xx to more than ${percent(alarmThresholds.api5xxRate)} of requests (and to at least ${alarmThresholds.api5xxMinErrors} in 5 minutes)`,
    );
    this.alarm(
      "Api4xxRate",
      rate4xx.guarded,
      alarmThresholds.api4xxRate,
      `API answers 4xx to more than ${percent(alarmThresholds.api4xxRate)} of requests (and to at least ${alarmThresholds.api4xxMinErrors} in 5 minutes), for 15 minutes: a broken client, or callers without rights`,
      3,
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: "API requests", left: [count], width: 8 }),
      new GraphWidget({ title: "API error rates", left: [rate5xx.plain, rate4xx.plain], width: 8 }),
      new GraphWidget({
        title: "API latency (p99)",
        left: [stage.metricLatency({ period: FIVE_MINUTES, statistic: "p99" })],
        right: [stage.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: "p99" })],
        width: 8,
      }),
    );

    for (const [name, fn] of Object.entries(props.functions)) this.addFunction(name, fn);

    // Undelivered work: any message in a dead-letter queue needs a human (and a redrive).
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      const id = `${name}DeadLetters`;
      this.track(
        deadLetterAlarm(
          this,
          id,
          queue,
          `${name}: messages in the dead-letter queue were not delivered; redrive them once the cause is fixed`,
        ),
        id,
      );
    }

    // Events lag: the age of the oldest stream record the publisher has not published yet.
    const iteratorAge = props.streamPublisher.metric("IteratorAge", {
      period: FIVE_MINUTES,
      statistic: "Maximum",
    });
    this.alarm(
      "StreamIteratorAge",
      iteratorAge,
      alarmThresholds.streamIteratorAge.toMilliseconds(),
      "Events lag commits by more than 5 minutes: the stream publisher is failing or falling behind",
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: "Event publisher lag (IteratorAge max)", left: [iteratorAge], width: 12 }),
    );

    for (const alarm of props.existingAlarms ?? []) {
      this.notify(alarm);
      this.dashboard.addWidgets(new AlarmWidget({ alarm, title: alarm.alarmName, width: 12 }));
    }
    if (props.stateMachine) this.addStateMachine(props.stateMachine);
  }

  /** Errors, throttles and p99 duration (against its timeout) of one function, with alarms and graphs. */
  addFunction(name: string, fn: LambdaFunction): void {
    // Lambda's default when a function sets none.
    const timeout = fn.timeout ?? Duration.seconds(3);
    const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" });
    const throttles = fn.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" });
    const p99 = fn.metricDuration({ period: FIVE_MINUTES, statistic: "p99" });
    this.alarm(`${name}Errors`, errors, 0, `${name}: invocations failed (unhandled errors or timeouts)`);
    this.alarm(`${name}Throttles`, throttles, 0, `${name}: invocations throttled (concurrency exhausted)`);
    this.alarm(
      `${name}DurationP99`,
      p99,
      timeout.toMilliseconds() * alarmThresholds.p99DurationOfTimeout,
      `${name}: p99 duration above 80% of its ${timeout.toHumanString()} timeout`,
      3,
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `${name}: invocations, errors, throttles`,
        left: [fn.metricInvocations({ period: FIVE_MINUTES }), errors, throttles],
        width: 12,
      }),
      // p99 alone (the alarm's statistic): a p50 line per function would take the dashboard past
      // the 50 metrics CloudWatch's free tier covers (DASHBOARD_FREE_METRICS), which costs $3 a month.
      new GraphWidget({ title: `${name}: duration p99`, left: [p99], width: 12 }),
    );
  }

  /** Alarms when the workflow's executions fail or time out (one line to wire a later workflow). */
  addStateMachine(stateMachine: IStateMachine): void {
    const failed = stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: "Sum" });
    const timedOut = stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: "Sum" });
    this.alarm("WorkflowExecutionsFailed", failed, 0, "Stage-transition workflow executions failed");
    this.alarm("WorkflowExecutionsTimedOut", timedOut, 0, "Stage-transition workflow executions timed out");
    this.dashboard.addWidgets(
      new GraphWidget({ title: "Workflow: failed / timed out", left: [failed, timedOut], width: 12 }),
    );
  }

  /** The topic hears both edges: when an alarm fires, and when it is OK again (the on-call stands down). */
  private notify(alarm: Alarm): void {
    if (!this.alarmAction) return;
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    evaluationPeriods = 1,
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      // No traffic is not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    return this.track(alarm, id);
  }

  /** Notifies the topic, and shows on the dashboard. */
  private track(alarm: Alarm, title: string): Alarm {
    this.notify(alarm);
    this.alarms.push(alarm);
    this.dashboard.addWidgets(new AlarmWidget({ alarm, title, width: 6 }));
    return alarm;
  }
}

/**
 * The alarm of a dead-letter queue: one visible message is an event or a job that was not
 * delivered. SQS publishes a queue's metrics only while the queue is active, that is for six
 * hours after the last API call on it ("Available CloudWatch metrics for Amazon SQS"), so a
 * dead-letter queue nobody touches stops reporting while its messages still wait. Missing data
 * therefore keeps the alarm's state: it does not clear itself (and tell the topic all is well)
 * six hours into an incident, and an empty, silent queue stays OK.
 */
export function deadLetterAlarm(scope: Construct, id: string, queue: IQueue, description: string): Alarm {
  return new Alarm(scope, id, {
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: "Maximum",
    }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: TreatMissingData.IGNORE,
    alarmDescription: description,
  });
}
