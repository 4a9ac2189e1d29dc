/** A class stand-in that loads its package on first use: construction, a static member, `instanceof`. */
export function lazyClass<T extends abstract new (...args: never[]) => object>(packageName: string, load: () => T): T {
  let loaded: T | undefined;
  const real = (): T => {
    if (loaded) return loaded;
    try {
      loaded = load();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      // On CDK Terrain the AzureRM provider is an optional peer that needs an npm override (docs/cdk-terrain.md).
      const override = packageName.startsWith('@cdktn/')
        ? ` and, in your package.json, "overrides": { "${packageName}": { "cdktn": "$cdktn" } } (its 16.1.0 declares cdktn ^0.23.0)`
        : '';
      throw new Error(
        `${packageName} is not installed, and this stack has a target that renders its resources. Fix: npm install ${packageName}${override}`,
      );
    }
    return loaded;
  };
  return new Proxy(function lazy() {} as unknown as T, {
    construct: (_target, args) => Reflect.construct(real(), args) as object,
    get: (_target, key) => Reflect.get(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
