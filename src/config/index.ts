export { ConfigError, type LoadOptions, loadConfig } from './load.ts';
export { type Config, type ConfigKey, configSchema, envName } from './schema.ts';
