import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const MODEL_STATUSES = ['candidate', 'active', 'retired', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** One trained model: its artifacts (topology + weights) and how it came to be. */
@Entity({ name: 'model_versions' })
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** 1, 2, 3 ... in creation order; what people call the model. */
  @Column('integer')
  version!: number;

  @Column('text')
  name!: string;

  @Column('text')
  status!: ModelStatus;

  // The artifacts are large: load them only when building a Classifier.
  @Column('jsonb', { nullable: true, select: false })
  topology!: object | null;

  @Column('jsonb', { name: 'weight_specs', nullable: true, select: false })
  weightSpecs!: unknown[] | null;

  @Column('bytea', { nullable: true, select: false })
  weights!: Buffer | null;

  @Column('jsonb')
  metrics!: Record<string, unknown>;

  @Column('jsonb')
  recipe!: Record<string, unknown>;

  @Column('jsonb')
  lineage!: Record<string, unknown>;

  @Column('text', { nullable: true })
  backend!: string | null;

  @Column('integer', { name: 'duration_ms', nullable: true })
  durationMs!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'activated_at', nullable: true })
  activatedAt!: Date | null;
}
