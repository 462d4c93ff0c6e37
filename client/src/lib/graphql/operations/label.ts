import { graphql } from '../graphql';

/** Stores the true digit of one of this browser's predictions. */
export const LabelPredictionMutation = graphql(`
  mutation LabelPrediction($id: ID!, $label: Int!) {
    labelPrediction(id: $id, label: $label) {
      id
      label
      labeledAt
    }
  }
`);
