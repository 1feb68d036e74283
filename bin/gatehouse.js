#!/usr/bin/env node
// Gatehouse ships TypeScript sources; tsx compiles them on load (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
