/** Peer 1, the ceiling: a bare Fastify route with no authentication at all. */
import Fastify from 'fastify';
import { announce, port } from './ready.mjs';

const app = Fastify({ logger: false });
app.get('/protected', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port });
announce(app.server);
