/**
 * Subscription topics and their payloads. Payloads are plain JSON (no Dates,
 * no typed arrays) and separate from the GraphQL types, so that the in-process
 * event target can later be swapped for one that crosses processes (Postgres
 * NOTIFY) without touching publishers or resolvers.
 */
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { InputKind } from '../db/entities/prediction.entity.js';

export const Topic = {
  PREDICTION_ADDED: 'PREDICTION_ADDED',
  /** A prediction's label was set, changed or cleared. */
  PREDICTION_LABELED: 'PREDICTION_LABELED',
} as const;

/** A stored prediction, as published after `classify` committed it. */
export interface PredictionAddedPayload {
  id: string;
  modelVersionId: string;
  clientId: string | null;
  /** Base64 of the 784 stored bytes (ink 255 on 0), row-major 28x28. */
  pixels: string;
  probabilities: number[];
  digit: number;
  confidence: number;
  label: number | null;
  inputKind: InputKind;
  /** ISO 8601. */
  createdAt: string;
  labeledAt: string | null;
}

export type Topics = {
  [Topic.PREDICTION_ADDED]: [PredictionAddedPayload];
  /** The prediction as stored after the change. */
  [Topic.PREDICTION_LABELED]: [PredictionAddedPayload];
};

export type AppPubSub = PubSub<Topics>;

/**
 * One pub/sub per server instance; it lives as long as the server. With an
 * `eventTarget` from `pubsub-transport.ts` events cross processes through
 * Postgres; without one they stay in this process (tests, schema printing).
 */
export function createAppPubSub(eventTarget?: EventTarget): AppPubSub {
  // The yoga type wants a TypedEventTarget; any EventTarget carrying CustomEvents is one at run time.
  return createPubSub<Topics>(eventTarget ? { eventTarget: eventTarget as never } : undefined);
}
