export { checkMemorySpace, checkScopes } from './checks.ts';
export type { Principal, PrincipalKind } from './principal.ts';
export { createGatehouseVerifier, type GatehouseVerifier, type GatehouseVerifierOptions } from './verifier.ts';
