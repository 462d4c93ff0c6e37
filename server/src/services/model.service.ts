/**
 * Model versions in the database: listing, storing new ones, activating one,
 * and importing the committed default model into an empty database.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { ModelVersionEntity, type ModelStatus } from '../db/entities/model-version.entity.js';
import type { Logger } from '../logger.js';
import { readArtifactsDir, type ModelArtifacts } from '../ml/artifacts.js';

/** What is stored beside the artifacts of a new version. */
export interface NewModelVersion {
  name: string;
  artifacts: ModelArtifacts;
  status?: Exclude<ModelStatus, 'active'>;
  metrics?: Record<string, unknown>;
  recipe?: Record<string, unknown>;
  lineage?: Record<string, unknown>;
  backend?: string | null;
  durationMs?: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** More cached versions than this (ids that stopped mattering) and the cache starts over. */
const MAX_CACHED = 1000;

export class ModelService {
  /**
   * Versions by id, as last read. A version changes only when one is
   * activated, and every activation (here, or in any process through
   * `modelActivated`) calls {@link forgetCached}.
   */
  private readonly cached = new Map<string, Promise<ModelVersionEntity | null>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(ModelVersionEntity);
  }

  /** Every version, newest first, without artifacts. */
  list(): Promise<ModelVersionEntity[]> {
    return this.repository.find({ order: { version: 'DESC' } });
  }

  findById(id: string): Promise<ModelVersionEntity | null> {
    return isUuid(id) ? this.repository.findOneBy({ id }) : Promise.resolve(null);
  }

  /**
   * {@link findById} through the cache: `Prediction.model` is asked for on
   * nearly every answer, and versions are few and rarely change. The rows
   * handed out are shared: read them, never change them.
   */
  findByIdCached(id: string): Promise<ModelVersionEntity | null> {
    const known = this.cached.get(id);
    if (known) return known;
    if (this.cached.size >= MAX_CACHED) this.cached.clear();
    const found = this.findById(id);
    this.cached.set(id, found);
    // Unknown ids and failed reads are not remembered.
    const drop = () => this.cached.get(id) === found && this.cached.delete(id);
    found.then((row) => row ?? drop(), drop);
    return found;
  }

  /** Drops every cached version (call on any activation, and when activation notices may have been missed). */
  forgetCached(): void {
    this.cached.clear();
  }

  findActive(): Promise<ModelVersionEntity | null> {
    return this.repository.findOneBy({ status: 'active' });
  }

  /** The topology, weight manifest and weights of a version, for building a Classifier. */
  async loadArtifacts(id: string): Promise<ModelArtifacts> {
    const row = await this.repository
      .createQueryBuilder('m')
      .select(['m.id', 'm.topology', 'm.weightSpecs', 'm.weights'])
      .where('m.id = :id', { id })
      .getOne();
    if (!row?.topology || !row.weightSpecs || !row.weights) {
      throw new Error(`model version ${id} has no stored artifacts`);
    }
    return {
      topology: row.topology,
      weightSpecs: row.weightSpecs as ModelArtifacts['weightSpecs'],
      weights: new Uint8Array(row.weights.buffer, row.weights.byteOffset, row.weights.byteLength),
    };
  }

  /** Stores a new version numbered one above the highest so far. */
  create(version: NewModelVersion): Promise<ModelVersionEntity> {
    return this.dataSource.transaction((manager) => this.insert(manager, version));
  }

  /** Makes `id` the one active version, retiring the previous one, in one transaction. */
  async activate(id: string): Promise<ModelVersionEntity> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.lockVersions(manager);
        return this.activateIn(manager, id);
      });
    } finally {
      this.forgetCached();
    }
  }

  /**
   * On first start (no versions at all) stores the model in `dir`
   * (model.json, weights.bin, meta.json) as version 1 and activates it.
   * Several servers starting together import it once: the check and the
   * insert run under one advisory lock.
   *
   * @returns the imported version, or null when versions already existed
   */
  async importDefaultIfEmpty(dir: string): Promise<ModelVersionEntity | null> {
    const { artifacts, meta } = await readArtifactsDir(dir);
    return this.dataSource.transaction(async (manager) => {
      await this.lockVersions(manager);
      if ((await manager.count(ModelVersionEntity)) > 0) return null;
      const m = asRecord(meta);
      const created = await this.insert(manager, {
        name: typeof m.name === 'string' && m.name ? m.name : 'default',
        artifacts,
        metrics: asRecord(m.metrics),
        recipe: asRecord(m.recipe),
        lineage: { source: 'data/model', ...asRecord(m.lineage) },
        backend: typeof m.backend === 'string' ? m.backend : null,
        durationMs: typeof m.durationMs === 'number' && Number.isInteger(m.durationMs) ? m.durationMs : null,
      });
      const active = await this.activateIn(manager, created.id);
      this.logger.info({ version: active.version, dir }, 'imported the default model as version 1 and activated it');
      return active;
    });
  }

  /** Serialises writers of `model_versions` (numbering, activation) across processes. */
  async lockVersions(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('mnist-studio:model_versions'))`);
  }

  async insert(manager: EntityManager, version: NewModelVersion): Promise<ModelVersionEntity> {
    await this.lockVersions(manager);
    const [{ next }] = (await manager.query(`SELECT coalesce(max(version), 0) + 1 AS next FROM model_versions`)) as [
      { next: number },
    ];
    const { artifacts } = version;
    const entity = manager.create(ModelVersionEntity, {
      version: Number(next),
      name: version.name,
      status: version.status ?? 'candidate',
      topology: artifacts.topology,
      weightSpecs: artifacts.weightSpecs as unknown[],
      weights: Buffer.from(artifacts.weights.buffer, artifacts.weights.byteOffset, artifacts.weights.byteLength),
      metrics: version.metrics ?? {},
      recipe: version.recipe ?? {},
      lineage: version.lineage ?? {},
      backend: version.backend ?? null,
      durationMs: version.durationMs ?? null,
      activatedAt: null,
    });
    const saved = await manager.save(entity);
    return (await manager.findOneByOrFail(ModelVersionEntity, { id: saved.id }));
  }

  async activateIn(manager: EntityManager, id: string): Promise<ModelVersionEntity> {
    const target = await manager.findOneBy(ModelVersionEntity, { id });
    if (!target) throw new Error(`no model version ${id}`);
    if (target.status === 'failed') throw new Error(`model version ${target.version} failed training and cannot be activated`);
    if (target.status === 'active') return target;
    // Retire first: the partial unique index allows one active row at any moment.
    await manager.update(ModelVersionEntity, { status: 'active' }, { status: 'retired' });
    await manager.update(ModelVersionEntity, { id }, { status: 'active', activatedAt: () => 'now()' });
    return manager.findOneByOrFail(ModelVersionEntity, { id });
  }
}
