import { graphql, type ResultOf } from '../graphql';

/** Every model version with its headline figures, newest first. */
export const ModelsQuery = graphql(`
  query Models {
    models {
      id
      version
      name
      status
      createdAt
      activatedAt
      testAccuracy
      userHoldoutAccuracy
      durationMs
      backend
      promotion {
        promoted
        reason
      }
      trainingJob {
        id
      }
    }
  }
`);

/** One version's evaluation on one split: per-class figures, confusion, curves, calibration, training curve. */
export const ModelDetailQuery = graphql(`
  query ModelDetail($id: ID!, $split: EvaluationSplit!) {
    model(id: $id) {
      id
      version
      name
      status
      recipe
      testAccuracy
      userHoldoutAccuracy
      trainingCurve {
        epoch
        loss
        accuracy
        valLoss
        valAccuracy
        durationMs
      }
      perClass(split: $split) {
        digit
        precision
        recall
        f1
        rocAuc
        averagePrecision
        support
      }
      confusionMatrix(split: $split) {
        counts
        cells {
          actual
          predicted
          count
          mnistTestIndices
          predictionIds
        }
      }
      rocCurves(split: $split) {
        digit
        rocAuc
        averagePrecision
        roc {
          fpr
          tpr
        }
        pr {
          recall
          precision
        }
      }
      calibration(split: $split) {
        ece
        bins {
          lo
          hi
          count
          accuracy
          meanConfidence
        }
      }
    }
  }
`);

/** One MNIST test digit by its index (a confusion-matrix example). */
export const MnistExampleQuery = graphql(`
  query MnistExample($offset: Int!) {
    mnistSamples(split: TEST, offset: $offset, limit: 1) {
      items {
        index
        label
        pixels
      }
    }
  }
`);

/** One held-out drawing by its prediction id; null unless it is the caller's. */
export const PredictionExampleQuery = graphql(`
  query PredictionExample($id: ID!) {
    prediction(id: $id) {
      id
      digit
      label
      confidence
      pixels
    }
  }
`);

export const ActivateModelMutation = graphql(`
  mutation ActivateModel($id: ID!) {
    activateModel(id: $id) {
      id
      version
      status
    }
  }
`);

/** A version became active (here, by training, or from another instance). */
export const ModelActivatedSubscription = graphql(`
  subscription ModelActivated {
    modelActivated {
      id
      version
    }
  }
`);

export type ModelSummary = ResultOf<typeof ModelsQuery>['models'][number];
export type ModelDetail = ResultOf<typeof ModelDetailQuery>['model'];
export type ConfusionCell = NonNullable<ModelDetail['confusionMatrix']>['cells'][number];
