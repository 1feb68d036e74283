import { reachSuite } from './reach-suite.ts';

reachSuite('sqlite', { redis: false });
