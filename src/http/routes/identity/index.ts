import type { FastifyInstance } from 'fastify';
import invitationRoutes from './invitations.ts';
import loginRoute from './login.ts';
import memberRoutes from './members.ts';
import memorySpaceRoutes from './memory-spaces.ts';
import organizationRoutes from './organizations.ts';
import registerRoutes from './register.ts';
import sessionRoutes from './session-routes.ts';

/** Sign-up, login and sessions, organizations, members and memory spaces. */
export default async function identityRoutes(app: FastifyInstance): Promise<void> {
  await app.register(registerRoutes);
  await app.register(loginRoute);
  await app.register(sessionRoutes);
  await app.register(organizationRoutes);
  await app.register(memberRoutes);
  await app.register(memorySpaceRoutes);
  await app.register(invitationRoutes);
}
