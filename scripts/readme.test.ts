// Every command of README.md but its tiny-model trainings (those are in readme.e2e.test.ts); see
// readmeSuite.ts for the rules a README author needs to know.
import { readmeSuite } from './readmeSuite.ts';

readmeSuite('commands');
