import { Arg, Int, Query, Resolver } from 'type-graphql';
import type { MnistSampleService } from '../services/mnist-sample.service.js';
import { MnistSample, MnistSamplePage, MnistSplitValue } from './mnist-sample.type.js';

@Resolver()
export class MnistSampleResolver {
  constructor(private readonly mnist: MnistSampleService) {}

  @Query(() => MnistSamplePage, {
    description:
      'MNIST digits in file order, optionally of one digit, `limit` at a time (default 50, at most 200) from `offset`. ' +
      'Errors: BAD_USER_INPUT.',
  })
  async mnistSamples(
    @Arg('split', () => MnistSplitValue) split: MnistSplitValue,
    @Arg('digit', () => Int, { nullable: true }) digit?: number | null,
    @Arg('offset', () => Int, { nullable: true, description: 'Default 0.' }) offset?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: 'Default 50, at most 200.' }) limit?: number | null,
  ): Promise<MnistSamplePage> {
    const page = await this.mnist.page(split, { digit, offset, limit });
    return Object.assign(new MnistSamplePage(), {
      total: page.total,
      items: page.items.map((item) =>
        Object.assign(new MnistSample(), { index: item.index, label: item.label, pixels: Array.from(item.pixels, (byte) => byte / 255) }),
      ),
    });
  }
}
