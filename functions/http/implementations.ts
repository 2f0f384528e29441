/**
 * What an operation's implementation receives and answers, typed by the operation's spec. The
 * middy chain (`./api.ts`) and its middlewares (`./middleware/`) both speak these types, so they
 * live apart from either: the middlewares import this module, not the chain that uses them.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import type * as z from "zod/mini";
import type { Outcome, RequestContext } from "#core/kernel/context.ts";
import type { DeferredBody, OperationSpec } from "./operations/spec.ts";

type Out<T> = T extends z.ZodMiniType ? z.output<T> : undefined;

export interface ApiRequest<S extends OperationSpec> {
  params: Out<S extends { params: infer P } ? P : undefined>;
  query: Out<S extends { query: infer Q } ? Q : undefined>;
  body: Out<S extends { body: DeferredBody<infer B> } ? B : S extends { body: infer B } ? B : undefined>;
  ctx: RequestContext;
  /** The API Gateway event, for the few operations that answer facts of the request itself (whoami). */
  event: APIGatewayProxyEvent;
}

export interface ApiReply {
  body?: unknown;
  /** The response is the stored first response of an idempotent request. */
  replayed?: boolean;
  /** One of the operation's documented statuses other than its main one (`spec.alternatives`). */
  status?: number;
}

/** The reply of an idempotent use case: its value, marked when it is a stored first response. */
export const replyOf = <T>(outcome: Outcome<T>): ApiReply => ({
  body: outcome.value,
  replayed: outcome.replayed,
});

/** The specs of one route group's operations (`./operations/<group>.ts`). */
export type OperationSpecs = Record<string, OperationSpec>;

/**
 * An implementation per operation of the group, typed by its spec: a name that is not one of the
 * group's operations fails the type-check, and so does leaving one out.
 */
export type Implementations<S extends OperationSpecs> = {
  [K in keyof S]: (request: ApiRequest<S[K]>) => Promise<ApiReply>;
};
