import { JSONResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ModelStatus, ModelVersionEntity } from '../db/entities/model-version.entity.js';

export enum ModelStatusValue {
  CANDIDATE = 'candidate',
  ACTIVE = 'active',
  RETIRED = 'retired',
  FAILED = 'failed',
}
registerEnumType(ModelStatusValue, {
  name: 'ModelStatus',
  description: 'Life cycle of a model version; exactly one is ACTIVE once the server can classify.',
  valuesConfig: {
    CANDIDATE: { description: 'Trained and stored, never served.' },
    ACTIVE: { description: 'Answers `classify`.' },
    RETIRED: { description: 'Served before, replaced since.' },
    FAILED: { description: 'Its training failed; it has no weights.' },
  },
});

@ObjectType({ description: 'One trained model: how it was made and how well it does.' })
export class ModelVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: '1, 2, 3 ... in creation order.' })
  version!: number;

  @Field()
  name!: string;

  @Field(() => ModelStatusValue)
  status!: ModelStatus;

  @Field(() => JSONResolver, { description: 'Evaluation on the MNIST test set (accuracy, loss, per-class figures ...).' })
  metrics!: Record<string, unknown>;

  @Field(() => JSONResolver, { description: 'Training recipe: epochs, batch size, learning rate, augmentation, seed ...' })
  recipe!: Record<string, unknown>;

  @Field(() => JSONResolver, { description: 'Where it came from: parent version, data used.' })
  lineage!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'TensorFlow.js backend it was trained on (`wasm`, `tensorflow`).' })
  backend!: string | null;

  @Field(() => Int, { nullable: true, description: 'Training time in milliseconds.' })
  durationMs!: number | null;

  @Field(() => Float, { nullable: true, description: 'Accuracy on the MNIST test set, from 0 to 1.' })
  testAccuracy!: number | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  activatedAt!: Date | null;
}

/** Accuracy on the test set, wherever the training recipe recorded it. */
function testAccuracyOf(metrics: Record<string, unknown>): number | null {
  for (const key of ['testAccuracy', 'accuracy']) {
    const value = metrics[key];
    if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  }
  return null;
}

export function toModelVersion(entity: ModelVersionEntity): ModelVersion {
  return Object.assign(new ModelVersion(), {
    id: entity.id,
    version: entity.version,
    name: entity.name,
    status: entity.status,
    metrics: entity.metrics,
    recipe: entity.recipe,
    lineage: entity.lineage,
    backend: entity.backend,
    durationMs: entity.durationMs,
    testAccuracy: testAccuracyOf(entity.metrics),
    createdAt: entity.createdAt,
    activatedAt: entity.activatedAt,
  });
}
