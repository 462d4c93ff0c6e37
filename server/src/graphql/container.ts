import type { ContainerType, ResolverData } from 'type-graphql';

/**
 * TypeGraphQL's `container`: hands out resolver instances built up front
 * with their services passed to the constructor, so there is no global
 * service locator and each server (tests run several) has its own.
 */
export class ResolverContainer implements ContainerType {
  private readonly byClass = new Map<Function, object>();

  constructor(instances: object[]) {
    for (const instance of instances) this.byClass.set(instance.constructor, instance);
  }

  get(someClass: Function, _resolverData: ResolverData<object>): object {
    const instance = this.byClass.get(someClass);
    if (!instance) throw new Error(`ResolverContainer has no instance of ${someClass.name}; add one in createResolvers()`);
    return instance;
  }
}
