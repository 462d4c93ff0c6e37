/**
 * Model versions as a registry: creating a trained version, deciding whether
 * it may replace the active one, and activating a version (promotion or
 * rollback) in one transaction that also announces it on `modelActivated`,
 * so every API instance swaps its classifier.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import { apiError, ErrorCode } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ModelService, NewModelVersion } from './model.service.js';

/** The figures promotion compares, both in [0, 1]. */
export interface PromotionFigures {
  testAccuracy: number;
  /** Null when there was no user holdout to measure on. */
  userHoldoutAccuracy: number | null;
}

export interface PromotionDecision {
  promote: boolean;
  /** One sentence a person reads on the model page. */
  reason: string;
}

/**
 * Largest drop in MNIST test accuracy a new version may show against the
 * active one and still be promoted automatically: 0.1 percentage point.
 */
export const MAX_TEST_ACCURACY_DROP = 0.001;

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * Whether `candidate` replaces `active` on its own: it must not lose more
 * than 0.1 point of MNIST test accuracy and must not do worse on the user
 * holdout. Both figures of `active` must be measured on the same sets as the
 * candidate's (the job evaluates the active model on its holdout).
 */
export function decidePromotion(candidate: PromotionFigures, active: PromotionFigures | null): PromotionDecision {
  if (!active) return { promote: true, reason: 'No model was active.' };
  // A tolerance of 1e-9 keeps float noise from deciding a tie.
  if (candidate.testAccuracy < active.testAccuracy - MAX_TEST_ACCURACY_DROP - 1e-9) {
    return {
      promote: false,
      reason: `MNIST test accuracy ${pct(candidate.testAccuracy)} is more than 0.1 point below the active model's ${pct(active.testAccuracy)}.`,
    };
  }
  if (
    candidate.userHoldoutAccuracy !== null &&
    active.userHoldoutAccuracy !== null &&
    candidate.userHoldoutAccuracy < active.userHoldoutAccuracy - 1e-9
  ) {
    return {
      promote: false,
      reason: `User holdout accuracy ${pct(candidate.userHoldoutAccuracy)} is below the active model's ${pct(active.userHoldoutAccuracy)}.`,
    };
  }
  return {
    promote: true,
    reason: `MNIST test accuracy ${pct(candidate.testAccuracy)} (active ${pct(active.testAccuracy)})${
      candidate.userHoldoutAccuracy !== null && active.userHoldoutAccuracy !== null
        ? `, user holdout ${pct(candidate.userHoldoutAccuracy)} (active ${pct(active.userHoldoutAccuracy)})`
        : ''
    }: no regression.`,
  };
}

export class ModelRegistryService {
  constructor(
    private readonly db: DataSource,
    private readonly models: ModelService,
    private readonly bus: EventBus,
  ) {}

  /** Takes the registry's lock (numbering, activation) until `tx` ends; re-entrant. */
  lockVersions(tx: EntityManager): Promise<void> {
    return this.models.lockVersions(tx);
  }

  /** The active version as `tx` sees it, or null. */
  activeIn(tx: EntityManager): Promise<ModelVersionEntity | null> {
    return tx.findOneBy(ModelVersionEntity, { status: 'active' });
  }

  findIn(tx: EntityManager, id: string): Promise<ModelVersionEntity | null> {
    return tx.findOneBy(ModelVersionEntity, { id });
  }

  /**
   * Inserts `version` as a candidate, numbered after the newest one, inside
   * the caller's transaction `tx` (the job completes in the same one).
   */
  insertCandidate(tx: EntityManager, version: Omit<NewModelVersion, 'status'>): Promise<ModelVersionEntity> {
    return this.models.insert(tx, { ...version, status: 'candidate' });
  }

  /**
   * Makes version `id` the active one inside `tx`: the previous active one
   * becomes retired (and stays loadable for a rollback), and `modelActivated`
   * goes out when `tx` commits.
   *
   * @returns false when `id` was already active (nothing changed, nothing announced)
   * @throws Error for an unknown or failed version
   */
  async activateWithin(tx: EntityManager, id: string): Promise<boolean> {
    await this.models.lockVersions(tx);
    const before = await tx.findOneBy(ModelVersionEntity, { id });
    if (before?.status === 'active') return false;
    await this.models.activateIn(tx, id);
    await this.bus.publish(tx, 'modelActivated', { modelVersionId: id });
    return true;
  }

  /**
   * Activates version `id` (promotes a candidate or rolls back to a retired
   * version); every API instance loads it, then announces `modelActivated`.
   *
   * @throws GraphQLError NOT_FOUND for an unknown id, BAD_USER_INPUT for a failed version
   */
  async activate(id: string): Promise<ModelVersionEntity> {
    const found = await this.models.findById(id);
    if (!found) {
      throw apiError(ErrorCode.NOT_FOUND, `No model version has id ${JSON.stringify(id)}; list them with the \`models\` query.`, {
        field: 'id',
      });
    }
    if (found.status === 'failed') {
      throw apiError(
        ErrorCode.BAD_USER_INPUT,
        `Model version ${found.version} failed in training and has no weights; activate another version.`,
        { field: 'id' },
      );
    }
    try {
      await this.db.transaction((tx) => this.activateWithin(tx, id));
    } finally {
      // This process's readers see the change now, not when the notice comes back.
      this.models.forgetCached();
    }
    return (await this.models.findById(id)) as ModelVersionEntity;
  }
}
