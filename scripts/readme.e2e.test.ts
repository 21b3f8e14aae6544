// The README's real trainings of a tiny model (`npx palestra train … --model tiny`), in order, and
// that each one learned; the rest of README.md is in readme.test.ts. See readmeSuite.ts.
import { readmeSuite } from './readmeSuite.ts';

readmeSuite('training');
