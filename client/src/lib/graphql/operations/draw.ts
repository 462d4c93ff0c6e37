import { graphql, type ResultOf } from '../graphql';

/**
 * Classifies the drawing and returns what the Draw page shows. The 28×28
 * input (`pixels`) is not asked for: the page computes the same image locally
 * with the server's own preprocessing, before the answer arrives.
 */
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
