/**
 * Stores the true digit of a prediction.
 *
 * A plain string with hand-written types, not a `graphql()` document, because
 * schema.graphql does not have `labelPrediction` yet and gql.tada would
 * (rightly) reject it; the Draw page shows the label form only when
 * `capabilities.labelling` says the server has it. Once the server ships the
 * mutation, turn this into a `graphql()` document so it is typed and checked
 * like the others.
 */
export const LABEL_PREDICTION = `
  mutation LabelPrediction($id: ID!, $label: Int!) {
    labelPrediction(id: $id, label: $label) {
      id
      label
    }
  }
`;

export interface LabelPredictionResult {
  labelPrediction: { id: string; label: number | null };
}

export interface LabelPredictionVariables {
  id: string;
  label: number;
}
