import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { createServices } from '../services.ts';
import { CliError, configFor } from './context.ts';

interface ProxyOptions {
  upstream: string;
  policy?: string;
  port: string;
  host: string;
}

function upstreamUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--upstream must be an http(s) URL, got ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('--upstream must be an http(s) URL');
  if (url.search !== '' || url.hash !== '') throw new CliError('--upstream takes no query or fragment');
  return url;
}

/** `gatehouse proxy --upstream URL [--policy FILE] [--port N]`: protect an existing HTTP service. */
export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description(
      'put Gatehouse in front of an HTTP service: decide each request in-process, forward the allowed ones with X-Gatehouse-* headers',
    )
    .requiredOption('--upstream <url>', 'the protected service, e.g. http://127.0.0.1:8000')
    .option('--policy <file>', 'route policy (YAML or JSON); default: the routePolicy option; none: every request needs a valid credential')
    .option('--port <n>', 'port to listen on', '8090')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (opts: ProxyOptions, cmd: Command) => {
      const upstream = upstreamUrl(opts.upstream);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0-65535');
      const config = configFor(cmd);
      // Loaded on use, so other commands do not pay for the proxy at start-up.
      const { openLivePolicy, PolicyError } = await import('../edge/policy/index.ts');
      const { createProxyServer } = await import('../edge/proxy/server.ts');
      const services = await createServices(config);
      const { log } = services;
      let policy: import('../edge/policy/index.ts').LivePolicy;
      try {
        policy = openLivePolicy({ file: opts.policy ?? config.routePolicy, tiers: Object.keys(config.rateLimitTiers), log });
      } catch (err) {
        await services.close();
        if (err instanceof PolicyError) throw new CliError(err.message, 2);
        throw err;
      }
      const server = createProxyServer({
        services,
        policy,
        realm: config.realm,
        upstream,
        timeoutMs: config.proxyUpstreamTimeout * 1000,
        log,
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, opts.host, resolve);
      });
      const address = server.address() as AddressInfo;
      log.info(
        { address: `http://${address.address}:${address.port}`, upstream: upstream.origin },
        `Gatehouse proxy listening on http://${address.address}:${address.port} → ${upstream.origin}`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          policy.close();
          server.close(() => {
            services.close().then(resolve, resolve);
          });
          server.closeIdleConnections();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
