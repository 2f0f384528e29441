// A stand-in for the policy's custom validation function `fairness-check`: local mode runs it
// in-process (examples/functions.json, REGISTRY_LOCAL_FUNCTIONS). It is sent
// {model, version, transitionId, from, to, modelVersion} and answers {passed, checks?}.
export const handler = async ({ modelVersion }) => ({
  passed: (modelVersion.metrics.fairness_gap ?? Number.POSITIVE_INFINITY) <= 0.05,
});
