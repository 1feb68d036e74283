import type { FastifyInstance } from 'fastify';
import authorizeRoutes from './authorize.ts';
import clientRoutes from './clients.ts';
import consentRoutes from './consents.ts';
import deviceRoutes from './device.ts';
import deviceAuthorizationRoute from './device-authorization.ts';
import discoveryRoutes from './discovery.ts';
import { oauthEndpointScope } from './form.ts';
import introspectRevokeRoutes from './introspect-revoke.ts';
import protectedResourceRoute from './protected-resource.ts';
import registerRoute from './register.ts';
import resourceRoutes from './resources.ts';
import tokenRoute from './token.ts';
import userinfoRoute from './userinfo.ts';

/** The OAuth endpoints proper: form bodies, RFC 6749 error bodies. */
async function endpoints(app: FastifyInstance): Promise<void> {
  oauthEndpointScope(app);
  await app.register(tokenRoute);
  await app.register(registerRoute);
  await app.register(authorizeRoutes);
  await app.register(introspectRevokeRoutes);
  await app.register(userinfoRoute);
  await app.register(deviceAuthorizationRoute);
  await app.register(deviceRoutes);
}

/** OAuth 2.1 / OpenID Connect: discovery, the `/oauth/*` endpoints, and the `/v1/oauth/*` management API. */
export default async function oauthRoutes(app: FastifyInstance): Promise<void> {
  await app.register(discoveryRoutes);
  await app.register(protectedResourceRoute);
  await app.register(endpoints);
  await app.register(clientRoutes);
  await app.register(resourceRoutes);
  await app.register(consentRoutes);
}
