import { graphql, type ResultOf } from '../graphql';

/** Live accuracy from the labels: overall, per digit, per model version and over time. */
export const PerformanceQuery = graphql(`
  query Performance($mine: Boolean, $modelId: ID, $from: DateTime, $to: DateTime) {
    performance(mine: $mine, modelId: $modelId, from: $from, to: $to) {
      accuracy
      labeledCount
      correctCount
      macroF1
      bucket
      confusionMatrix
      perClass {
        digit
        support
        precision
        recall
        f1
      }
      byModel {
        accuracy
        labeledCount
        correctCount
        model {
          id
          version
          name
          status
        }
      }
      overTime {
        bucketStart
        count
        correctCount
        accuracy
      }
      confidence {
        meanWhenCorrect
        meanWhenWrong
        bins {
          lo
          hi
          correct
          wrong
        }
      }
    }
  }
`);

/** Any label set, changed or cleared: the performance page refreshes on it. */
export const LabelsChangedSubscription = graphql(`
  subscription LabelsChanged($mine: Boolean) {
    predictionLabeled(mine: $mine) {
      id
      label
    }
  }
`);

export type PerformanceData = ResultOf<typeof PerformanceQuery>['performance'];
