import { commandsSuite } from './commands-suite.ts';

commandsSuite('sqlite');
