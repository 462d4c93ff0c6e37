/* eslint-disable */
/* prettier-ignore */

export type introspection_types = {
    'Boolean': unknown;
    'DateTime': unknown;
    'DrawingInput': { kind: 'INPUT_OBJECT'; name: 'DrawingInput'; isOneOf: false; inputFields: [{ name: 'height'; type: { kind: 'SCALAR'; name: 'Int'; ofType: null; }; defaultValue: null }, { name: 'image'; type: { kind: 'SCALAR'; name: 'String'; ofType: null; }; defaultValue: null }, { name: 'lineWidth'; type: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; defaultValue: null }, { name: 'pixels'; type: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; }; }; defaultValue: null }, { name: 'strokes'; type: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'INPUT_OBJECT'; name: 'StrokeInput'; ofType: null; }; }; }; defaultValue: null }, { name: 'width'; type: { kind: 'SCALAR'; name: 'Int'; ofType: null; }; defaultValue: null }]; };
    'Float': unknown;
    'ID': unknown;
    'InputKind': { name: 'InputKind'; enumValues: 'IMAGE' | 'PIXELS' | 'STROKES'; };
    'Int': unknown;
    'JSON': unknown;
    'ModelStatus': { name: 'ModelStatus'; enumValues: 'ACTIVE' | 'CANDIDATE' | 'FAILED' | 'RETIRED'; };
    'ModelVersion': { kind: 'OBJECT'; name: 'ModelVersion'; fields: { 'activatedAt': { name: 'activatedAt'; type: { kind: 'SCALAR'; name: 'DateTime'; ofType: null; } }; 'backend': { name: 'backend'; type: { kind: 'SCALAR'; name: 'String'; ofType: null; } }; 'createdAt': { name: 'createdAt'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'DateTime'; ofType: null; }; } }; 'durationMs': { name: 'durationMs'; type: { kind: 'SCALAR'; name: 'Int'; ofType: null; } }; 'id': { name: 'id'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'ID'; ofType: null; }; } }; 'lineage': { name: 'lineage'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'JSON'; ofType: null; }; } }; 'metrics': { name: 'metrics'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'JSON'; ofType: null; }; } }; 'name': { name: 'name'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'String'; ofType: null; }; } }; 'recipe': { name: 'recipe'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'JSON'; ofType: null; }; } }; 'status': { name: 'status'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'ENUM'; name: 'ModelStatus'; ofType: null; }; } }; 'testAccuracy': { name: 'testAccuracy'; type: { kind: 'SCALAR'; name: 'Float'; ofType: null; } }; 'version': { name: 'version'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Int'; ofType: null; }; } }; }; };
    'Mutation': { kind: 'OBJECT'; name: 'Mutation'; fields: { 'classify': { name: 'classify'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'OBJECT'; name: 'Prediction'; ofType: null; }; } }; }; };
    'PointInput': { kind: 'INPUT_OBJECT'; name: 'PointInput'; isOneOf: false; inputFields: [{ name: 'x'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; }; defaultValue: null }, { name: 'y'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; }; defaultValue: null }]; };
    'Prediction': { kind: 'OBJECT'; name: 'Prediction'; fields: { 'confidence': { name: 'confidence'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; } }; 'createdAt': { name: 'createdAt'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'DateTime'; ofType: null; }; } }; 'digit': { name: 'digit'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Int'; ofType: null; }; } }; 'id': { name: 'id'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'ID'; ofType: null; }; } }; 'inputKind': { name: 'inputKind'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'ENUM'; name: 'InputKind'; ofType: null; }; } }; 'label': { name: 'label'; type: { kind: 'SCALAR'; name: 'Int'; ofType: null; } }; 'labeledAt': { name: 'labeledAt'; type: { kind: 'SCALAR'; name: 'DateTime'; ofType: null; } }; 'model': { name: 'model'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'OBJECT'; name: 'ModelVersion'; ofType: null; }; } }; 'pixels': { name: 'pixels'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; }; }; } }; 'probabilities': { name: 'probabilities'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'SCALAR'; name: 'Float'; ofType: null; }; }; }; } }; }; };
    'Query': { kind: 'OBJECT'; name: 'Query'; fields: { 'activeModel': { name: 'activeModel'; type: { kind: 'OBJECT'; name: 'ModelVersion'; ofType: null; } }; 'models': { name: 'models'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'OBJECT'; name: 'ModelVersion'; ofType: null; }; }; }; } }; 'prediction': { name: 'prediction'; type: { kind: 'OBJECT'; name: 'Prediction'; ofType: null; } }; }; };
    'String': unknown;
    'StrokeInput': { kind: 'INPUT_OBJECT'; name: 'StrokeInput'; isOneOf: false; inputFields: [{ name: 'points'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'LIST'; name: never; ofType: { kind: 'NON_NULL'; name: never; ofType: { kind: 'INPUT_OBJECT'; name: 'PointInput'; ofType: null; }; }; }; }; defaultValue: null }]; };
    'Subscription': { kind: 'OBJECT'; name: 'Subscription'; fields: { 'predictionAdded': { name: 'predictionAdded'; type: { kind: 'NON_NULL'; name: never; ofType: { kind: 'OBJECT'; name: 'Prediction'; ofType: null; }; } }; }; };
};

/** An IntrospectionQuery representation of your schema.
 *
 * @remarks
 * This is an introspection of your schema saved as a file by GraphQLSP.
 * It will automatically be used by `gql.tada` to infer the types of your GraphQL documents.
 * If you need to reuse this data or update your `scalars`, update `tadaOutputLocation` to
 * instead save to a .ts instead of a .d.ts file.
 */
export type introspection = {
  name: never;
  query: 'Query';
  mutation: 'Mutation';
  subscription: 'Subscription';
  types: introspection_types;
};

import * as gqlTada from 'gql.tada';

declare module 'gql.tada' {
  interface setupSchema {
    introspection: introspection
  }
}