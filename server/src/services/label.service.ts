/**
 * Labelling: setting, changing and clearing the true digit of a prediction,
 * and deleting one. A labelled prediction is a user sample (its stored
 * 28x28 input and its label): training and the exports read exactly these rows.
 *
 * Each change is one `UPDATE/DELETE ... WHERE id AND owner RETURNING`, so
 * concurrent calls on one prediction serialise on its row lock and the row
 * ends with the last writer's label and that writer's `labeled_at`.
 *
 * Unknown ids and other clients' ids both answer NOT_FOUND, so that nobody
 * learns which ids exist.
 */
import type { DataSource } from 'typeorm';
import { apiError, ErrorCode } from '../errors.js';
import { Topic, type AppPubSub } from '../graphql/pubsub.js';
import { ownerCondition, type Viewer } from './access.js';
import { checkDigit } from './history.service.js';
import { isUuid } from './model.service.js';
import { fromRow, type PredictionRow } from './prediction.service.js';
import { toPayload, type PredictionRecord } from './prediction.record.js';
import { queryRows } from './sql.js';

const notFound = (id: string) =>
  apiError(ErrorCode.NOT_FOUND, `No prediction ${JSON.stringify(id.slice(0, 60))} of yours: it does not exist, was deleted or was made by another client`, {
    field: 'id',
  });

export class LabelService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pubSub: AppPubSub,
  ) {}

  /**
   * Sets or changes the true digit. Labelling again with the same digit
   * changes nothing (not even `labeled_at`).
   *
   * @throws GraphQLError BAD_USER_INPUT for a label outside 0–9, NOT_FOUND for an id the viewer does not own
   */
  async label(viewer: Viewer, id: string, label: number): Promise<PredictionRecord> {
    checkDigit(label, 'label');
    // clock_timestamp(), not now(): a writer that waited for the row lock stamps the time it wrote,
    // so the last label written also has the latest labeled_at.
    return this.update(
      viewer,
      id,
      `label = $2::smallint, labeled_at = CASE WHEN label = $2::smallint THEN labeled_at ELSE clock_timestamp() END`,
      [label],
    );
  }

  /**
   * Removes the label: the drawing leaves the user dataset.
   *
   * @throws GraphQLError NOT_FOUND for an id the viewer does not own
   */
  clear(viewer: Viewer, id: string): Promise<PredictionRecord> {
    return this.update(viewer, id, 'label = NULL, labeled_at = NULL', []);
  }

  /**
   * Deletes the prediction (and so its drawing from the user dataset and the exports).
   *
   * @returns the deleted id
   * @throws GraphQLError NOT_FOUND for an id the viewer does not own
   */
  async delete(viewer: Viewer, id: string): Promise<string> {
    if (!isUuid(id)) throw notFound(id);
    const params: unknown[] = [id];
    const owner = ownerCondition(viewer, 'client_id', params);
    const rows = await queryRows<{ id: string }>(this.dataSource, `DELETE FROM predictions WHERE id = $1 AND ${owner} RETURNING id`, params);
    if (rows.length === 0) throw notFound(id);
    return rows[0].id;
  }

  private async update(viewer: Viewer, id: string, assignments: string, values: unknown[]): Promise<PredictionRecord> {
    if (!isUuid(id)) throw notFound(id);
    const params: unknown[] = [id, ...values];
    const owner = ownerCondition(viewer, 'client_id', params);
    const rows = await queryRows<PredictionRow>(
      this.dataSource,
      `UPDATE predictions SET ${assignments} WHERE id = $1 AND ${owner} RETURNING *`,
      params,
    );
    if (rows.length === 0) throw notFound(id);
    const record = fromRow(rows[0]);
    this.pubSub.publish(Topic.PREDICTION_LABELED, toPayload(record));
    return record;
  }
}
