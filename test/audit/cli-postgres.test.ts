import { auditCliSuite } from './cli-suite.ts';

auditCliSuite('postgres');
