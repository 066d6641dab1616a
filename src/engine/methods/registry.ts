/**
 * The derivative methods, by name: the trainer, the spec (URL, UI fields, CLI flags), the app
 * and the CLI ask this table. A new method is one file in this folder plus one line below (or a
 * `registerMethod` call, e.g. from a test or a plug-in).
 */
import { InputError } from '../errors';
import { ad } from './ad';
import { fd } from './fd';
import type { DerivativeMethod } from './method';
import { stde } from './stde';
import { stein } from './stein';
import { taylor } from './taylor';

const methods = new Map<string, DerivativeMethod>();

/** Add a method (its id must be new). */
export function registerMethod<O>(method: DerivativeMethod<O>): void {
  if (methods.has(method.id)) throw new Error(`a derivative method named '${method.id}' is already registered`);
  methods.set(method.id, method as DerivativeMethod);
}

/** Remove a method added by registerMethod (tests). */
export function unregisterMethod(id: string): void {
  methods.delete(id);
}

for (const m of [taylor, ad, fd, stde, stein] as DerivativeMethod<never>[]) registerMethod(m);

/** Every registered method, in registration order. */
export function allMethods(): DerivativeMethod[] {
  return [...methods.values()];
}

/** The ids of every method, or of the exact ones (a comparison trains those). */
export function methodIds(which: 'all' | 'exact' = 'all'): string[] {
  return allMethods()
    .filter((m) => which === 'all' || m.exact)
    .map((m) => m.id);
}

export function methodById(id: string): DerivativeMethod {
  const m = methods.get(id);
  if (!m) throw new InputError(`unknown derivative method '${id}' (known: ${methodIds().join(', ')})`);
  return m;
}
