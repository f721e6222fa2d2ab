/** `npm run build:workflows`: the prebuilt workflow bundle production workers load (STYLE: temporal samples). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PREBUILT_BUNDLE } from './worker.js';

const started = Date.now();
const { code } = await bundleWorkflowCode({ workflowsPath: new URL('../../workflows/src/index.ts', import.meta.url).pathname });
await mkdir(dirname(PREBUILT_BUNDLE), { recursive: true });
await writeFile(PREBUILT_BUNDLE, code);
process.stdout.write(`wrote ${PREBUILT_BUNDLE} (${Math.round(code.length / 1024)} KiB) in ${Date.now() - started} ms\n`);
