import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ModelVersionEntity } from './model-version.entity.js';

export const INPUT_KINDS = ['strokes', 'image', 'pixels'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** One answered classification: the 28x28 input the model saw and what it said. */
@Entity({ name: 'predictions' })
export class PredictionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'model_version_id' })
  modelVersionId!: string;

  @ManyToOne(() => ModelVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_version_id' })
  modelVersion?: ModelVersionEntity;

  @Column('text', { name: 'client_id', nullable: true })
  clientId!: string | null;

  /** 784 bytes, row-major 28x28, ink 255 on background 0. */
  @Column('bytea')
  pixels!: Buffer;

  /** 10 softmax outputs, index = digit. */
  @Column('real', { array: true })
  probabilities!: number[];

  @Column('smallint')
  digit!: number;

  @Column('real')
  confidence!: number;

  @Column('smallint', { nullable: true })
  label!: number | null;

  @Column('text', { name: 'input_kind' })
  inputKind!: InputKind;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'labeled_at', nullable: true })
  labeledAt!: Date | null;
}
