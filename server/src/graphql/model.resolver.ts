import { Query, Resolver } from 'type-graphql';
import type { ModelService } from '../services/model.service.js';
import { ModelVersion, toModelVersion } from './model-version.type.js';

@Resolver(() => ModelVersion)
export class ModelResolver {
  constructor(private readonly modelService: ModelService) {}

  @Query(() => ModelVersion, { nullable: true, description: 'The version answering `classify`, or null before any is loaded.' })
  async activeModel(): Promise<ModelVersion | null> {
    const active = await this.modelService.findActive();
    return active && toModelVersion(active);
  }

  @Query(() => [ModelVersion], { description: 'Every model version, newest first.' })
  async models(): Promise<ModelVersion[]> {
    return (await this.modelService.list()).map(toModelVersion);
  }
}
