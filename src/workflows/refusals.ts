import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { LifecycleRefusal } from '../domain/unit-state';

/**
 * The one place a domain refusal becomes what crosses the wire: an ApplicationFailure whose type a caller
 * can match on (`DirectiveRecalled`, `NotLater`, …) and whose message a clerk can act on.
 *
 * An inbound interceptor (the SDK's interceptor-example.ts) would do the same for every update, but it must
 * be named in the worker's and every bundler's `interceptors.workflowModules`; wrapping validators here keeps
 * the translation next to the handlers and in every bundle. Handlers are not wrapped: their validators ran
 * the same checks first, and a wrapper would add microtasks that change the order of commands.
 */
export function asFailure(e: unknown): unknown {
  if (e instanceof LifecycleRefusal)
    return ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true });
  return e;
}

/** A validator that answers a refusal with its typed failure. */
export function refusing<A extends unknown[]>(check: (...args: A) => unknown): (...args: A) => void {
  return (...args) => {
    try {
      check(...args);
    } catch (e) {
      throw asFailure(e);
    }
  };
}

/** An update whose validator is `check`, run through `refusing`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own constraint on update arguments
export function onUpdate<Ret, Args extends any[]>(
  def: UpdateDefinition<Ret, Args>,
  handler: (...args: NoInfer<Args>) => Ret | Promise<Ret>,
  check: (...args: NoInfer<Args>) => unknown,
): void {
  setHandler(def, handler, { validator: refusing(check) });
}
