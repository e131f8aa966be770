import { endTestRun } from './testRun';

export default endTestRun;
