import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'Narrows a prediction history; the conditions given all apply.' })
export class PredictionFilter {
  @Field(() => Int, { nullable: true, description: "The model's answer, 0 to 9." })
  digit?: number | null;

  @Field(() => Int, { nullable: true, description: 'The true label, 0 to 9.' })
  label?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Labelled and right (`label = digit`, true) or labelled and wrong (false).' })
  correct?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Not labelled yet (true) or labelled (false).' })
  unlabeled?: boolean | null;

  @Field(() => ID, { nullable: true, description: 'Answered by this model version.' })
  modelId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Made at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Made before this time.' })
  to?: Date | null;
}
