/**
 * Holds the Classifier of the active model version. `classify` asks it for
 * probabilities; until a model is loaded it answers MODEL_NOT_READY.
 */
import type { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import { apiError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelArtifacts } from '../ml/artifacts.js';
import type { BackendChoice } from '../ml/backend.js';
import { Classifier, type InferenceEngine } from '../ml/classifier.js';
import { InferenceThread } from '../ml/inference-thread.js';
import type { ThreadMemory } from '../ml/inference.worker.js';
import type { ModelService } from './model.service.js';

/** What answers for a loaded version: a {@link Classifier} here, or one in an {@link InferenceThread}. */
interface Predictor {
  readonly engine: InferenceEngine;
  predict(pixels: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

export interface ClassifierServiceOptions {
  /** Run forward passes in a worker thread (INFERENCE_THREAD). @default false */
  thread?: boolean;
  /** The thread's backend (TF_BACKEND). @default 'auto' */
  backend?: BackendChoice;
}

interface Loaded {
  version: ModelVersionEntity;
  classifier: Predictor;
  /** Predictions under way; a replaced classifier is disposed once this drops to 0. */
  inFlight: number;
  retired: boolean;
}

export interface ClassifierOutput {
  /** 10 probabilities, index = digit. */
  probabilities: Float32Array;
  modelVersionId: string;
}

export class ClassifierService {
  private loaded: Loaded | undefined;

  /** Live tensors of inference threads, as each last reported. */
  private readonly threads = new Set<InferenceThread>();

  constructor(
    private readonly models: ModelService,
    private readonly logger: Logger,
    private readonly options: ClassifierServiceOptions = {},
  ) {}

  /** Live TensorFlow.js tensors and their bytes in inference threads (this thread's are `tf.memory()`'s). */
  get threadMemory(): ThreadMemory {
    const total = { numTensors: 0, numBytes: 0 };
    for (const { memory } of this.threads) {
      total.numTensors += memory.numTensors;
      total.numBytes += memory.numBytes;
    }
    return total;
  }

  /** True once a model can answer. */
  get ready(): boolean {
    return this.loaded !== undefined;
  }

  /** The version answering now, if any. */
  get activeVersion(): ModelVersionEntity | undefined {
    return this.loaded?.version;
  }

  /**
   * Loads the active version from the database (if it is not the one already
   * loaded) and swaps it in; predictions under way finish on the old one.
   *
   * @returns the version now answering, or undefined when none is active
   */
  async loadActive(): Promise<ModelVersionEntity | undefined> {
    const version = await this.models.findActive();
    if (!version) return undefined;
    if (this.loaded?.version.id === version.id) return version;
    const started = performance.now();
    const classifier = await this.load(await this.models.loadArtifacts(version.id));
    const previous = this.loaded;
    this.loaded = { version, classifier, inFlight: 0, retired: false };
    if (previous) this.retire(previous);
    this.logger.info(
      { version: version.version, ms: Math.round(performance.now() - started), inference: classifier.engine },
      'model loaded; classify is ready',
    );
    return version;
  }

  /**
   * Classifies one MNIST-formatted image.
   *
   * @param pixels 784 values in [0,1], row-major 28x28, ink 1 on background 0
   * @throws GraphQLError MODEL_NOT_READY when no model is loaded
   */
  async predict(pixels: Float32Array): Promise<ClassifierOutput> {
    this.assertReady();
    const loaded = this.loaded!;
    loaded.inFlight++;
    try {
      const probabilities = await loaded.classifier.predict(pixels);
      return { probabilities, modelVersionId: loaded.version.id };
    } finally {
      loaded.inFlight--;
      if (loaded.retired && loaded.inFlight === 0) loaded.classifier.dispose();
    }
  }

  private async load(artifacts: ModelArtifacts): Promise<Predictor> {
    if (!this.options.thread) return Classifier.fromArtifacts(artifacts);
    const thread = await InferenceThread.start(artifacts, {
      backend: this.options.backend,
      onRestart: (error) => this.logger.error({ err: error }, 'the inference thread died; starting another'),
    });
    this.threads.add(thread);
    return {
      get engine() {
        return thread.engine;
      },
      predict: (pixels) => thread.predict(pixels),
      dispose: () => {
        this.threads.delete(thread);
        thread.dispose();
      },
    };
  }

  /** @throws GraphQLError MODEL_NOT_READY when no model is loaded */
  assertReady(): void {
    if (!this.loaded) {
      throw apiError(
        ErrorCode.MODEL_NOT_READY,
        'No model is loaded yet, so the server cannot classify. Retry once GET /healthz answers 200.',
      );
    }
  }

  /** Frees the model's tensors; predictions under way still finish. */
  dispose(): void {
    if (this.loaded) this.retire(this.loaded);
    this.loaded = undefined;
  }

  private retire(loaded: Loaded): void {
    loaded.retired = true;
    if (loaded.inFlight === 0) loaded.classifier.dispose();
  }
}
