// `node --import ./module-log.mjs …` writes the URL of every module the process loads, one a line,
// to the file named by NEUROLENS_MODULE_LOG: what a command loads is then a test's to assert.
import { register } from 'node:module';

const file = process.env.NEUROLENS_MODULE_LOG;
if (file) register('./module-log-hooks.mjs', import.meta.url, { data: { file } });
