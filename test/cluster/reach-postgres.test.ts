import { reachSuite } from './reach-suite.ts';

reachSuite('postgres', { redis: true });
