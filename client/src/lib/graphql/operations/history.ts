import { graphql, type ResultOf, type VariablesOf } from '../graphql';

/** One page of the caller's own predictions, newest first. */
export const HistoryQuery = graphql(`
  query History($filter: PredictionFilter, $first: Int, $after: String) {
    predictions(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          digit
          confidence
          label
          labeledAt
          createdAt
          pixels
          model {
            id
            version
          }
        }
      }
    }
  }
`);

/** The model versions, for the history's and performance's model filters. */
export const ModelChoicesQuery = graphql(`
  query ModelChoices {
    models {
      id
      version
      name
      status
    }
  }
`);

export const RelabelMutation = graphql(`
  mutation Relabel($id: ID!, $label: Int!) {
    labelPrediction(id: $id, label: $label) {
      id
      label
      labeledAt
    }
  }
`);

export const ClearLabelMutation = graphql(`
  mutation ClearLabel($id: ID!) {
    clearLabel(id: $id) {
      id
      label
      labeledAt
    }
  }
`);

export const DeletePredictionMutation = graphql(`
  mutation DeletePrediction($id: ID!) {
    deletePrediction(id: $id)
  }
`);

/** New predictions from anyone; the history counts the caller's own (`mine`). */
export const PredictionAddedSubscription = graphql(`
  subscription PredictionAdded {
    predictionAdded {
      id
      mine
    }
  }
`);

/** The caller's labels set or cleared elsewhere (another tab, the Draw page). */
export const MyLabelsSubscription = graphql(`
  subscription MyLabels {
    predictionLabeled(mine: true) {
      id
      label
      labeledAt
    }
  }
`);

export type HistoryItem = ResultOf<typeof HistoryQuery>['predictions']['edges'][number]['node'];
export type PredictionFilter = NonNullable<VariablesOf<typeof HistoryQuery>['filter']>;
export type ModelChoice = ResultOf<typeof ModelChoicesQuery>['models'][number];
