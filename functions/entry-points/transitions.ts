import { buildCore, usageReporting } from "#composition/build-core.ts";
import * as transitions from "#core/use-cases/transitions.ts";
import { createApiHandler, replyOf } from "#http/api.ts";
import { transitionOperations } from "#http/operations/transitions.ts";

const core = await buildCore();

export const handler = createApiHandler(
  "transitions",
  transitionOperations,
  {
    requestTransition: async ({ params, body, ctx }) =>
      replyOf(await transitions.requestTransition(core, params.model, params.version, body, ctx)),
    listVersionTransitions: async ({ params, query }) => ({
      body: await transitions.listVersionTransitions(core, params.model, params.version, query),
    }),
    listTransitions: async ({ params, query }) => ({
      body: await transitions.listTransitions(core, params.model, query),
    }),
    getTransition: async ({ params }) => ({
      body: await transitions.getTransition(core, params.model, params.transition),
    }),
    approveTransition: async ({ params, body, ctx }) =>
      replyOf(await transitions.approveTransition(core, params.model, params.transition, body, ctx)),
    rejectTransition: async ({ params, body, ctx }) =>
      replyOf(await transitions.rejectTransition(core, params.model, params.transition, body, ctx)),
    cancelTransition: async ({ params, body, ctx }) =>
      replyOf(await transitions.cancelTransition(core, params.model, params.transition, body, ctx)),
    forceCancelTransition: async ({ params, ctx }) => ({
      body: await transitions.forceCancelTransition(core, params.model, params.transition, ctx),
    }),
    listApprovals: async ({ query }) => ({ body: await transitions.listApprovals(core, query) }),
    rollback: async ({ params, body, ctx }) =>
      replyOf(await transitions.rollback(core, params.model, body, ctx)),
    getStageHistory: async ({ params, query }) => ({
      body: await transitions.getStageHistory(core, params.model, params.stage, query),
    }),
  },
  { meter: usageReporting },
);
