/**
 * Chooses the TensorFlow.js backend once per process (or worker thread):
 * native TensorFlow through `@tensorflow/tfjs-node` when it is installed, else
 * WebAssembly (XNNPACK, SIMD) with the project's gradient kernels. The
 * pure-JS `cpu` backend is never selected: it trains a CNN orders of magnitude
 * slower (one batch-64 step of the small benchmark CNN took minutes here).
 */
import * as tf from '@tensorflow/tfjs';
// Registers the 'wasm' backend and its kernels. In Node (main thread or a
// worker_threads worker) the .wasm binaries are found next to this package's
// own dist/ files, so no setWasmPaths() is needed.
import '@tensorflow/tfjs-backend-wasm';
import { registerProjectWasmKernels } from './kernels/register.js';

/** What may be asked for: `auto` prefers tfjs-node and falls back to wasm. */
export const BACKEND_CHOICES = ['auto', 'wasm', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The backend actually running: tfjs-node's `tensorflow` or `wasm`. */
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** The optional native package; never a static import so its absence is not a load error. */
export const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

export interface InitBackendOptions {
  /**
   * Backend to use; `TF_BACKEND` in the config.
   * @default 'auto'
   */
  backend?: BackendChoice;
  /** Receives one line saying which backend was chosen and why. @default no logging */
  log?: (msg: string) => void;
  /**
   * Loads tfjs-node, which registers the `tensorflow` backend as a side effect.
   * Tests replace it to simulate an installed or missing package.
   * @default () => import('@tensorflow/tfjs-node')
   */
  importNodeBackend?: () => Promise<unknown>;
}

let selection: { promise: Promise<BackendName> } | undefined;

/**
 * Selects and initialises the TensorFlow.js backend; later calls return the
 * first call's result without doing anything (concurrent calls share it).
 * Call it before the first tensor op: until then tfjs would pick a backend
 * on its own. On wasm it also registers the project's kernels (conv2d
 * gradients and fast paths for training ops, see `./kernels/register.ts`).
 *
 * Rejects with a message saying what to fix when `backend` is not one of
 * {@link BACKEND_CHOICES}, when `tensorflow` is forced but tfjs-node cannot
 * be loaded, or when a later call forces a different backend than the one
 * already running (tfjs has one global backend per thread).
 *
 * @returns the backend's name, `'tensorflow'` or `'wasm'`
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  const requested: unknown = options.backend ?? 'auto';
  if (!isBackendChoice(requested)) {
    throw new Error(
      `initBackend expects backend to be one of ${BACKEND_CHOICES.join(', ')} (TF_BACKEND), got ${JSON.stringify(requested)}`,
    );
  }
  if (selection === undefined) {
    const current = { promise: select(requested, options) };
    selection = current;
    // A failed start-up (say, a forced tfjs-node that is missing) must not
    // poison the process: the next call tries again.
    current.promise.catch(() => {
      if (selection === current) selection = undefined;
    });
  }
  const name = await selection.promise;
  if (requested !== 'auto' && requested !== name) {
    throw new Error(
      `initBackend was asked for '${requested}' but this thread already runs '${name}'; set TF_BACKEND before the first model is built`,
    );
  }
  return name;
}

async function select(requested: BackendChoice, options: InitBackendOptions): Promise<BackendName> {
  const log = options.log ?? (() => {});
  let fallbackReason = 'forced by TF_BACKEND=wasm';
  if (requested !== 'wasm') {
    const native = await tryNative(options.importNodeBackend ?? importTfjsNode);
    if (native.ok) {
      log(`tfjs backend: tensorflow (${TFJS_NODE_PACKAGE}, native libtensorflow)`);
      return 'tensorflow';
    }
    if (requested === 'tensorflow') {
      throw new Error(
        `TF_BACKEND=tensorflow but ${native.reason}; install it with \`npm install -w server ${TFJS_NODE_PACKAGE}@${tf.version_core}\` or set TF_BACKEND=wasm`,
      );
    }
    fallbackReason = native.reason;
  }
  const kernels = registerProjectWasmKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the wasm backend failed to initialise (tfjs logged the cause above); check that @tensorflow/tfjs-backend-wasm is installed with its .wasm files');
  }
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  log(`tfjs backend: wasm (SIMD ${simd ? 'on' : 'off'}, project kernels ${kernels.join(', ')}; ${fallbackReason})`);
  return 'wasm';
}

function importTfjsNode(): Promise<unknown> {
  // A variable specifier keeps TypeScript from requiring the package's types.
  const specifier: string = TFJS_NODE_PACKAGE;
  return import(specifier);
}

type NativeAttempt = { ok: true } | { ok: false; reason: string };

async function tryNative(importNodeBackend: () => Promise<unknown>): Promise<NativeAttempt> {
  try {
    await importNodeBackend();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return { ok: false, reason: `${TFJS_NODE_PACKAGE} is not installed` };
    }
    // Installed but broken, typically libtensorflow missing or built for another platform.
    return { ok: false, reason: `${TFJS_NODE_PACKAGE} failed to load: ${messageOf(error)}` };
  }
  // tfjs-node registers on its own copy of tfjs-core; a version mismatch
  // leaves that copy apart from ours and the backend invisible here.
  if (tf.findBackendFactory('tensorflow') === null) {
    return {
      ok: false,
      reason: `${TFJS_NODE_PACKAGE} loaded but registered no 'tensorflow' backend with @tensorflow/tfjs-core ${tf.version_core} (mismatched versions?)`,
    };
  }
  try {
    if (await tf.setBackend('tensorflow')) return { ok: true };
    return { ok: false, reason: `${TFJS_NODE_PACKAGE}'s backend failed to initialise (tfjs logged the cause above)` };
  } catch (error) {
    return { ok: false, reason: `${TFJS_NODE_PACKAGE}'s backend failed to initialise: ${messageOf(error)}` };
  }
}

function isBackendChoice(value: unknown): value is BackendChoice {
  return (BACKEND_CHOICES as readonly unknown[]).includes(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
