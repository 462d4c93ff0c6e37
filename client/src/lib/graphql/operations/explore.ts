import { graphql, type ResultOf } from '../graphql';

/** A page of MNIST digits of one split, optionally of one digit. */
export const MnistSamplesQuery = graphql(`
  query MnistSamples($split: MnistSplit!, $digit: Int, $offset: Int, $limit: Int) {
    mnistSamples(split: $split, digit: $digit, offset: $offset, limit: $limit) {
      total
      items {
        index
        label
        pixels
      }
    }
  }
`);

/** A page of the caller's labelled drawings, newest first. */
export const UserSamplesQuery = graphql(`
  query UserSamples($label: Int, $first: Int, $after: String) {
    userSamples(label: $label, first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          label
          digit
          labeledAt
          pixels
        }
      }
    }
  }
`);

/** Samples per digit in each dataset. */
export const DatasetStatsQuery = graphql(`
  query DatasetStats {
    datasetStats {
      mnistTrain {
        total
        perClass
      }
      mnistTest {
        total
        perClass
      }
      user {
        total
        perClass
      }
      mine {
        total
        perClass
      }
    }
  }
`);

export type MnistSample = ResultOf<typeof MnistSamplesQuery>['mnistSamples']['items'][number];
export type UserSample = ResultOf<typeof UserSamplesQuery>['userSamples']['edges'][number]['node'];
export type DatasetStats = ResultOf<typeof DatasetStatsQuery>['datasetStats'];
