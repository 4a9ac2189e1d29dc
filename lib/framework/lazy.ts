/** A class stand-in that loads its package on first use: construction, a static member, `instanceof`. */
export function lazyClass<T extends abstract new (...args: never[]) => object>(packageName: string, load: () => T): T {
  let loaded: T | undefined;
  const real = (): T => {
    if (loaded) return loaded;
    try {
      loaded = load();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      throw new Error(
        `${packageName} is not installed, and this stack has a target that renders its resources. Fix: npm install ${packageName} ` +
          '(with CDK Terrain, see docs/cdk-terrain.md for the override its 16.1.0 needs beside cdktn 0.24)',
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
