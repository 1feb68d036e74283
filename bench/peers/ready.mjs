/**
 * Shared by the peer servers: prints the one JSON ready line the harness reads (port, pid and the
 * credentials to use) and stops on SIGTERM.
 */
export function announce(server, extra = {}) {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid, ...extra })}\n`);
  process.on('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}

/** The listening port: `PORT` from the environment, 0 (any free port) by default. */
export const port = Number(process.env.PORT ?? 0);

/** The JWT verification settings the harness passes to every JWT peer (Gatehouse's RS256 key). */
export function jwtSettings() {
  const publicKeyPem = process.env.JWT_PUBLIC_KEY;
  if (!publicKeyPem) throw new Error('JWT_PUBLIC_KEY is required');
  return { publicKeyPem, issuer: process.env.JWT_ISSUER ?? '', audience: process.env.JWT_AUDIENCE ?? '' };
}
