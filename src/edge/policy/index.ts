export { type LivePolicy, type LivePolicyOptions, openLivePolicy } from './live.ts';
export { loadPolicyFile } from './load.ts';
export { explainRoute, matchRoute, type RouteMatch, type RouteRequest, type RuleVerdict } from './match.ts';
export { type ParseOptions, PolicyError, parsePolicy } from './parse.ts';
export { AUTHENTICATE_ALL, type RoutePolicy, type Rule, type SpaceSource, type Unmatched } from './types.ts';
