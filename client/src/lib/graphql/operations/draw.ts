import { graphql, type ResultOf } from '../graphql';

/** The fields the Draw page shows for a prediction. */
export const ClassifyMutation = graphql(`
  mutation Classify($input: DrawingInput!) {
    classify(input: $input) {
      id
      digit
      confidence
      probabilities
      pixels
      label
      model {
        id
        version
      }
    }
  }
`);

export const LabelPredictionMutation = graphql(`
  mutation LabelPrediction($id: ID!, $label: Int!) {
    labelPrediction(id: $id, label: $label) {
      id
      label
    }
  }
`);

export type Prediction = ResultOf<typeof ClassifyMutation>['classify'];
