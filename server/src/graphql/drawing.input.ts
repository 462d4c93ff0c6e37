import { Field, Float, InputType, Int } from 'type-graphql';

@InputType({ description: 'A point in canvas pixels; y grows downward.' })
export class PointInput {
  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;
}

@InputType({
  description:
    'One pen stroke: the points from pen-down to pen-up, in order. Points within half a pixel of the line through their ' +
    'neighbours change nothing and each costs the server time: simplify first (Douglas–Peucker at 0.5 px keeps the ' +
    'digit the same), as the web app does.',
})
export class StrokeInput {
  @Field(() => [PointInput])
  points!: PointInput[];
}

@InputType({
  description:
    'A drawing to classify. Give exactly one of `strokes` (with `width` and `height`), `image` or `pixels`.',
})
export class DrawingInput {
  @Field(() => [StrokeInput], {
    nullable: true,
    description: 'Pen strokes in canvas pixel coordinates (y grows downward); needs `width` and `height`.',
  })
  strokes?: StrokeInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Canvas width in pixels, for `strokes`.' })
  width?: number | null;

  @Field(() => Int, { nullable: true, description: 'Canvas height in pixels, for `strokes`.' })
  height?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Pen width in canvas pixels, for `strokes`; when absent, MNIST's typical stroke thickness.",
  })
  lineWidth?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'A base64 data URL of a PNG or JPEG (`data:image/png;base64,...`), dark ink on a light background or the reverse.',
  })
  image?: string | null;

  @Field(() => [Float], {
    nullable: true,
    description: '784 values in [0,1], row-major 28x28, white ink (1) on black (0), already MNIST-formatted.',
  })
  pixels?: number[] | null;
}
