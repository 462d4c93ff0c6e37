/**
 * What the API offers, decided at build time from schema.graphql. The client
 * is built against the schema of the server that serves it, so a feature
 * whose mutation is missing is hidden rather than left to fail.
 */
export const capabilities = {
  /** `labelPrediction(id, label)`: storing the true digit of a drawing. */
  labelling: __API_MUTATIONS__.includes('labelPrediction'),
} as const;
