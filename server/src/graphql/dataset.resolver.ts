import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { DatasetService } from '../services/dataset.service.js';
import type { MnistSampleService } from '../services/mnist-sample.service.js';
import type { Context } from './context.js';
import { DatasetStats, toClassCounts, toUserSampleConnection, UserSampleConnection } from './dataset.type.js';

@Resolver()
export class DatasetResolver {
  constructor(
    private readonly datasets: DatasetService,
    private readonly mnist: MnistSampleService,
  ) {}

  @Query(() => UserSampleConnection, {
    description:
      "The caller's own labelled drawings, newest first (every client's are in the training data and the exports). " +
      'Errors: BAD_USER_INPUT (first over 200, bad cursor, label outside 0 to 9).',
  })
  async userSamples(
    @Ctx() context: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, default 50, at most 200.' }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after?: string | null,
    @Arg('label', () => Int, { nullable: true, description: 'Only drawings labelled with this digit.' }) label?: number | null,
  ): Promise<UserSampleConnection> {
    return toUserSampleConnection(await this.datasets.userSamples(context, { first, after }, label));
  }

  @Query(() => DatasetStats, { description: 'Samples per digit in MNIST train and test, the user dataset and your own labels.' })
  async datasetStats(@Ctx() context: Context): Promise<DatasetStats> {
    const [mnistTrain, mnistTest, user, mine] = await Promise.all([
      this.mnist.classCounts('train'),
      this.mnist.classCounts('test'),
      this.datasets.classCounts(),
      this.datasets.classCounts(context),
    ]);
    return Object.assign(new DatasetStats(), {
      mnistTrain: toClassCounts(mnistTrain),
      mnistTest: toClassCounts(mnistTest),
      user: toClassCounts(user),
      mine: toClassCounts(mine),
    });
  }
}
