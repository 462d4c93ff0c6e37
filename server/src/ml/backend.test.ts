import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, TFJS_NODE_PACKAGE } from './backend.js';

// The selection is per thread, so these tests run in order and build on each
// other: the failed forced start-up first, then the wasm fallback, then reuse.

function missingPackage(): Promise<never> {
  const error = Object.assign(new Error(`Cannot find package '${TFJS_NODE_PACKAGE}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  return Promise.reject(error);
}

test('rejects a backend name other than auto, wasm or tensorflow, cpu included', async () => {
  await assert.rejects(initBackend({ backend: 'cpu' as never }), /one of auto, wasm, tensorflow \(TF_BACKEND\), got "cpu"/);
});

test('refuses a forced tensorflow backend when tfjs-node is missing, saying how to install it', async () => {
  await assert.rejects(
    initBackend({ backend: 'tensorflow', importNodeBackend: missingPackage }),
    /TF_BACKEND=tensorflow but @tensorflow\/tfjs-node is not installed; install it with `npm install -w server @tensorflow\/tfjs-node@4\.22\.0`/,
  );
});

test('falls back to wasm when tfjs-node is absent, logs why and registers the project kernels', async () => {
  const lines: string[] = [];
  const name = await initBackend({ log: (m) => lines.push(m), importNodeBackend: missingPackage });
  assert.equal(name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^tfjs backend: wasm \(SIMD (on|off), .*@tensorflow\/tfjs-node is not installed\)$/);
  assert.ok(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), 'Conv2DBackpropFilter is not registered for wasm');
  assert.equal(tf.memory().numTensors, 0);
});

test('returns the first choice on later calls without loading or logging again', async () => {
  let imports = 0;
  const lines: string[] = [];
  const names = await Promise.all([
    initBackend({ log: (m) => lines.push(m), importNodeBackend: () => (imports++, missingPackage()) }),
    initBackend({ backend: 'wasm', log: (m) => lines.push(m) }),
  ]);
  assert.deepEqual(names, ['wasm', 'wasm']);
  assert.equal(imports, 0);
  assert.deepEqual(lines, []);
});

test('refuses to switch to tensorflow once wasm runs in this thread', async () => {
  await assert.rejects(
    initBackend({ backend: 'tensorflow', importNodeBackend: async () => {} }),
    /asked for 'tensorflow' but this thread already runs 'wasm'/,
  );
  assert.equal(tf.getBackend(), 'wasm');
});

/** Runs `initBackend` in a fresh worker thread; `broken` makes its tfjs-node import throw like a missing libtensorflow. */
async function initInWorker(broken: boolean): Promise<{ name: string; active: string; lines: string[] }> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { initBackend } = await import(workerData.backendUrl);
      const tf = await import(workerData.tfjsUrl);
      const lines = [];
      const importNodeBackend = workerData.broken
        ? () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file'))
        : undefined;
      const name = await initBackend({ log: (m) => lines.push(m), importNodeBackend });
      // A gradient through both project kernels proves the .wasm binary and kernels work here.
      const dw = tf.grad((w) => tf.conv2d(tf.ones([2, 6, 6, 1]), w, 2, 'same').sum())(tf.ones([3, 3, 1, 2]));
      await dw.data();
      parentPort.postMessage({ name, active: tf.getBackend(), lines });
    })().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: { backendUrl: import.meta.resolve('./backend.js'), tfjsUrl: import.meta.resolve('@tensorflow/tfjs'), broken },
  });
  try {
    const [message] = (await once(worker, 'message')) as [{ error?: string; name: string; active: string; lines: string[] }];
    if (message.error) assert.fail(`initBackend failed in a worker thread: ${message.error}`);
    return message;
  } finally {
    await worker.terminate();
  }
}

function tfjsNodeInstalled(): boolean {
  try {
    import.meta.resolve(TFJS_NODE_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

test('initialises in a worker thread, choosing tfjs-node exactly when it is installed', async () => {
  const expected = tfjsNodeInstalled() ? 'tensorflow' : 'wasm';
  const { name, active, lines } = await initInWorker(false);
  assert.equal(name, expected);
  assert.equal(active, expected);
  assert.match(lines.join('\n'), new RegExp(`^tfjs backend: ${expected} `));
});

test('falls back to wasm when tfjs-node is installed but fails to load', async () => {
  const { name, lines } = await initInWorker(true);
  assert.equal(name, 'wasm');
  assert.match(lines.join('\n'), /@tensorflow\/tfjs-node failed to load: libtensorflow\.so\.2: cannot open shared object file/);
});
