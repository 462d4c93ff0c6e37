import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum MnistSplitValue {
  TRAIN = 'train',
  TEST = 'test',
}
registerEnumType(MnistSplitValue, {
  name: 'MnistSplit',
  description: 'The 60,000 MNIST training digits or the 10,000 test digits.',
});

@ObjectType({ description: 'One MNIST digit.' })
export class MnistSample {
  @Field(() => Int, { description: 'Position in its split, from 0, as in the idx file.' })
  index!: number;

  @Field(() => Int)
  label!: number;

  @Field(() => [Float], { description: '784 values in [0,1], row-major 28x28, white ink (1) on black (0).' })
  pixels!: number[];
}

@ObjectType({ description: 'A slice of an MNIST split.' })
export class MnistSamplePage {
  @Field(() => Int, { description: 'Digits matching the filter, over all pages.' })
  total!: number;

  @Field(() => [MnistSample])
  items!: MnistSample[];
}
