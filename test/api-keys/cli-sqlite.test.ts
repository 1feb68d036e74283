import { tokenCliSuite } from './cli-suite.ts';

tokenCliSuite('sqlite');
