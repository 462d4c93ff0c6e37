import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { HistoryService } from '../services/history.service.js';
import type { Context } from './context.js';
import { PredictionFilter } from './history.input.js';
import { PredictionConnection, toPredictionConnection } from './history.type.js';

@Resolver()
export class HistoryResolver {
  constructor(private readonly history: HistoryService) {}

  @Query(() => PredictionConnection, {
    description:
      "The caller's own predictions, newest first, `first` at a time (default 50, at most 200). " +
      'A caller without a client id owns none. Errors: BAD_USER_INPUT (first over 200, bad cursor, bad filter).',
  })
  predictions(
    @Ctx() context: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after?: string | null,
    @Arg('filter', () => PredictionFilter, { nullable: true }) filter?: PredictionFilter | null,
  ): Promise<PredictionConnection> {
    return this.history.list(context, { first, after }, filter ?? {}).then(toPredictionConnection);
  }
}
