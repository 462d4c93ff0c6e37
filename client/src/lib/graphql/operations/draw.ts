import { graphql, type ResultOf } from '../graphql';

/**
 * The model's answer for the drawing as it is now, stored nowhere: the Draw
 * page asks while the pen moves. The 28×28 input (`pixels`) is not asked
 * for: the page computes the same image locally with the server's own
 * preprocessing, before the answer arrives.
 */
export const PreviewQuery = graphql(`
  query Preview($input: DrawingInput!) {
    preview(input: $input) {
      digit
      confidence
      probabilities
      model {
        id
        version
      }
    }
  }
`);

/** What the Draw page shows for a drawing. */
export type Answer = ResultOf<typeof PreviewQuery>['preview'];

/** Classifies the finished drawing and stores it as one of this browser's predictions. */
export const ClassifyMutation = graphql(`
  mutation Classify($input: DrawingInput!) {
    classify(input: $input) {
      id
      digit
      confidence
      probabilities
      model {
        id
        version
      }
    }
  }
`);

export type Prediction = ResultOf<typeof ClassifyMutation>['classify'];

/** Deletes a stored drawing that a later version of the same drawing replaced. */
export const DiscardPredictionMutation = graphql(`
  mutation DiscardPrediction($id: ID!) {
    deletePrediction(id: $id)
  }
`);
