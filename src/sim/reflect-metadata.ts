/**
 * The few `Reflect` metadata functions that tsyringe (a dependency of @peculiar/x509) checks for at load time
 * and calls when its classes are registered. The `reflect-metadata` package is the usual provider but is not a
 * dependency here; this covers what tsyringe uses (define / get / getOwn) and leaves an existing
 * implementation untouched. Import it before @peculiar/x509.
 */
type Key = string | symbol;
const store = new WeakMap<object, Map<Key, unknown>>();

interface MetadataReflect {
  getMetadata?: (key: Key, target: object) => unknown;
  getOwnMetadata?: (key: Key, target: object) => unknown;
  defineMetadata?: (key: Key, value: unknown, target: object) => void;
  hasMetadata?: (key: Key, target: object) => boolean;
}

const R = Reflect as unknown as MetadataReflect;
if (typeof R.getMetadata !== 'function') {
  const own = (key: Key, target: object): unknown => store.get(target)?.get(key);
  const find = (key: Key, target: object): { found: boolean; value: unknown } => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = store.get(t);
      if (m?.has(key)) return { found: true, value: m.get(key) };
    }
    return { found: false, value: undefined };
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key, target) => find(key, target).value;
  R.hasMetadata = (key, target) => find(key, target).found;
  R.defineMetadata = (key, value, target) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
}
