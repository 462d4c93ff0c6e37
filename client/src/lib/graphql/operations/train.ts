import { graphql, type ResultOf, type VariablesOf } from '../graphql';

/** The newest jobs, newest first. */
export const TrainingJobsQuery = graphql(`
  query TrainingJobs($first: Int!) {
    trainingJobs(first: $first) {
      id
      status
      createdAt
      startedAt
      finishedAt
      error
      cancelRequested
      params {
        epochs
        batchSize
        learningRate
        mnistLimit
        includeUserData
        userSampleWeight
        augment
        seed
        warmStart
      }
      modelVersion {
        id
        version
        status
        testAccuracy
      }
    }
  }
`);

/** The version a fine-tune would start from. */
export const TrainActiveModelQuery = graphql(`
  query TrainActiveModel {
    activeModel {
      id
      version
    }
  }
`);

export const StartTrainingMutation = graphql(`
  mutation StartTraining($input: TrainingInput) {
    startTraining(input: $input) {
      id
      status
      createdAt
    }
  }
`);

export const CancelTrainingMutation = graphql(`
  mutation CancelTraining($id: ID!) {
    cancelTraining(id: $id) {
      id
      status
      cancelRequested
    }
  }
`);

/** A job's stored history, then its live events; ends after COMPLETED, FAILED or CANCELLED. */
export const TrainingProgressSubscription = graphql(`
  subscription TrainingProgress($jobId: ID!) {
    trainingProgress(jobId: $jobId) {
      seq
      type
      at
      epoch
      epochs
      batch
      batches
      progress
      etaSeconds
      samplesPerSec
      loss
      accuracy
      valLoss
      valAccuracy
      error
      activated
      perClass {
        digit
        valAccuracy
        meanConfidence
      }
      modelVersion {
        id
        version
        status
        testAccuracy
        promotion {
          promoted
          reason
        }
      }
    }
  }
`);

export type TrainingJobSummary = ResultOf<typeof TrainingJobsQuery>['trainingJobs'][number];
export type TrainingEvent = ResultOf<typeof TrainingProgressSubscription>['trainingProgress'];
export type TrainingInput = NonNullable<VariablesOf<typeof StartTrainingMutation>['input']>;
