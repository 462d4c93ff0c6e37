/**
 * The resolvers of the user-data features (history, labelling, live
 * performance, the user dataset, the MNIST explorer) with their services,
 * for the ResolverContainer.
 */
import type { DataSource } from 'typeorm';
import { DatasetService } from '../services/dataset.service.js';
import { HistoryService } from '../services/history.service.js';
import { LabelService } from '../services/label.service.js';
import { MnistSampleService } from '../services/mnist-sample.service.js';
import type { ModelService } from '../services/model.service.js';
import { PerformanceService } from '../services/performance.service.js';
import { DatasetResolver } from './dataset.resolver.js';
import { HistoryResolver } from './history.resolver.js';
import { LabelResolver } from './label.resolver.js';
import { MnistSampleResolver } from './mnist-sample.resolver.js';
import { PerformanceResolver } from './performance.resolver.js';
import type { AppPubSub } from './pubsub.js';

export function userDataResolvers(dataSource: DataSource, pubSub: AppPubSub, models: ModelService): object[] {
  const mnist = new MnistSampleService();
  return [
    new HistoryResolver(new HistoryService(dataSource)),
    new LabelResolver(new LabelService(dataSource, pubSub)),
    new PerformanceResolver(new PerformanceService(dataSource), models),
    new DatasetResolver(new DatasetService(dataSource), mnist),
    new MnistSampleResolver(mnist),
  ];
}
