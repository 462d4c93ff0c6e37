/**
 * Helpers for the retraining tests: GraphQL documents, a graphql-ws follower
 * that collects a job's events until it ends, and labelled drawings.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLFormattedError } from 'graphql';
import { loadMnist } from '../../server/src/ml/mnist.js';
import { CLASSIFY } from './drawings.js';
import type { GraphQLResponse, RequestOptions } from './graphql.js';

export const TRAINING_EVENT_FIELDS = /* GraphQL */ `
  jobId seq type at epoch epochs batch batches loss accuracy valLoss valAccuracy samplesPerSec etaSeconds progress
  perClass { digit valAccuracy meanConfidence } activated error modelVersion { id version status }
`;

export const START_TRAINING = /* GraphQL */ `
  mutation Start($input: TrainingInput) {
    startTraining(input: $input) { id status attempts maxAttempts cancelRequested createdAt params { epochs batchSize learningRate mnistLimit includeUserData userSampleWeight augment seed warmStart } }
  }
`;

export const TRAINING_JOB = /* GraphQL */ `
  query Job($id: ID!) {
    trainingJob(id: $id) {
      id status error attempts workerId cancelRequested startedAt finishedAt
      lineage { snapshotAt mnistTrain userSamples userTrain userHoldout holdoutPercent userSampleWeight baseModelVersionId
        perClass { digit mnist userTrain userHoldout } newestUserSample { id createdAt labeledAt } }
      epochs { epoch loss accuracy valLoss valAccuracy perClass { digit valAccuracy } }
      events { seq type }
      modelVersion { id version status }
    }
  }
`;

export const CANCEL_TRAINING = /* GraphQL */ `
  mutation Cancel($id: ID!) { cancelTraining(id: $id) { id status cancelRequested error } }
`;

export const PROGRESS = /* GraphQL */ `
  subscription Progress($jobId: ID!) { trainingProgress(jobId: $jobId) { ${TRAINING_EVENT_FIELDS} } }
`;

export interface TrainingEventResult {
  jobId: string;
  seq: number;
  type: string;
  at: string;
  epoch: number | null;
  epochs: number | null;
  batch: number | null;
  batches: number | null;
  loss: number | null;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  samplesPerSec: number | null;
  etaSeconds: number | null;
  progress: number | null;
  perClass: Array<{ digit: number; valAccuracy: number | null; meanConfidence: number | null }> | null;
  activated: boolean | null;
  error: string | null;
  modelVersion: { id: string; version: number; status: string } | null;
}

export interface StartedJob {
  id: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  params: Record<string, unknown>;
}

/** Starts a job and returns it; throws with the errors when the mutation failed. */
export async function startJob(
  gql: (q: string, v?: Record<string, unknown>) => Promise<GraphQLResponse<{ startTraining: StartedJob }>>,
  input: Record<string, unknown>,
): Promise<StartedJob> {
  const response = await gql(START_TRAINING, { input });
  if (response.errors) throw new Error(`startTraining failed: ${JSON.stringify(response.errors)}`);
  return response.data!.startTraining;
}

export interface JobFollower {
  /** Every event received so far, in order. */
  readonly events: TrainingEventResult[];
  /** Resolves when an event matching `predicate` arrived (or rejects after `timeoutMs`). */
  waitFor(predicate: (e: TrainingEventResult) => boolean, timeoutMs?: number): Promise<TrainingEventResult>;
  /** Resolves with all events once the server completed the subscription. */
  done(timeoutMs?: number): Promise<TrainingEventResult[]>;
  /** Local receive time of each event (ms, performance.now()), index-aligned with `events`. */
  readonly receivedAt: number[];
  close(): Promise<void>;
}

/** Follows job `jobId` over its own graphql-ws connection. */
export async function followJob(wsUrl: string, jobId: string): Promise<JobFollower> {
  const events: TrainingEventResult[] = [];
  const receivedAt: number[] = [];
  let finished = false;
  let failure: Error | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let connected!: () => void;
  const acknowledged = new Promise<void>((resolve) => (connected = resolve));
  const client: Client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, on: { connected: () => connected() } });
  const unsubscribe = client.subscribe<{ trainingProgress: TrainingEventResult }>(
    { query: PROGRESS, variables: { jobId } },
    {
      next: (result) => {
        if (result.errors) failure = new Error(`subscription error: ${JSON.stringify(result.errors)}`);
        else {
          events.push(result.data!.trainingProgress);
          receivedAt.push(performance.now());
        }
        wake();
      },
      error: (error) => {
        failure = error instanceof Error ? error : new Error(JSON.stringify(error));
        wake();
      },
      complete: () => {
        finished = true;
        wake();
      },
    },
  );
  await acknowledged;
  const wait = (ready: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (failure) return finish(() => reject(failure));
        if (ready()) return finish(resolve);
        if (finished) return finish(() => reject(new Error(`the subscription completed before ${what}; got ${events.map((e) => e.type).join(',')}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got ${events.map((e) => e.type).join(',')}`))),
        timeoutMs,
      );
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      waiters.add(check);
      check();
    });
  return {
    events,
    receivedAt,
    async waitFor(predicate, timeoutMs = 60_000) {
      let found: TrainingEventResult | undefined;
      await wait(() => (found = events.find(predicate)) !== undefined, timeoutMs, 'matching event');
      return found!;
    },
    async done(timeoutMs = 120_000) {
      await wait(() => finished, timeoutMs, 'completion');
      return events;
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** The first error's `extensions.code` and `extensions.field`. */
export function firstError(response: { errors?: readonly GraphQLFormattedError[] }): { code: unknown; field: unknown; message: string } {
  const error = response.errors?.[0];
  return { code: error?.extensions?.code, field: error?.extensions?.field, message: error?.message ?? '' };
}

/**
 * Classifies MNIST test digit `index` through the API as client `clientId`
 * and labels it with its true digit through `labelPrediction`, as a person
 * would.
 */
export async function labelledPrediction(
  gql: (q: string, v?: Record<string, unknown>, options?: RequestOptions) => Promise<GraphQLResponse<Record<string, any>>>,
  index: number,
  clientId = 'training-test-client',
): Promise<{ id: string; label: number }> {
  const test = loadMnist('test');
  const pixels = Array.from(test.images.subarray(index * 784, (index + 1) * 784));
  const headers = { headers: { 'x-client-id': clientId } };
  const classified = await gql(CLASSIFY, { input: { pixels } }, headers);
  if (classified.errors) throw new Error(`classify failed: ${JSON.stringify(classified.errors)}`);
  const id: string = classified.data!.classify.id;
  const label = test.labels[index];
  const labelled = await gql(`mutation($id: ID!, $label: Int!) { labelPrediction(id: $id, label: $label) { id label } }`, { id, label }, headers);
  if (labelled.errors) throw new Error(`labelPrediction failed: ${JSON.stringify(labelled.errors)}`);
  return { id, label };
}
