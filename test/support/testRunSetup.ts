import { beginTestRun } from './testRun';

export default beginTestRun;
