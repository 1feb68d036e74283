import { auditCliSuite } from './cli-suite.ts';

auditCliSuite('sqlite');
