export { GatehouseError, isGatehouseError, type ProblemExtras } from './gatehouse-error.ts';
export { bearerChallenge, PROBLEM_CONTENT_TYPE, type ProblemBody, problemType, toProblem } from './problem.ts';
export { ERRORS, type ErrorName, errorSpec } from './registry.ts';
export type { ErrorSpec, OAuthErrorWord } from './spec.ts';
