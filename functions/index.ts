/** The deployed module: registers every function; each is deployed with its name as entry point. */
import './run-tests.js';
import './analyze.js';
import './report.js';
import './watchdog.js';
import './control.js';
import './notify.js';
