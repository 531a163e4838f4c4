import type { Fact, FactValues } from '../facts/fact.js';
import { hostFacts, type HostFacts } from '../facts/host.js';
import { fill, holds, TemplateError } from '../playbook/template.js';
import type { PlaybookStep } from '../playbook/load.js';
import { modules } from '../steps/registry.js';
import { ArgsError, type CheckResult, type HostContext, type Module } from '../steps/types.js';

/** A playbook step with its arguments filled in for one host and validated by its module. */
export interface PlannedStep {
  id: string;
  name: string;
  module: Module<unknown>;
  args: unknown;
  when: string[];
  skipReason?: string;
  notify: string[];
  satisfies: string[];
  dependsOn: string[];
}

export class PlanError extends Error {}

export function prepareSteps(
  steps: PlaybookStep[],
  vars: Record<string, unknown>,
  where: string,
): PlannedStep[] {
  return steps.map((step) => {
    const module = modules.get(step.module);
    if (!module) throw new PlanError(`${where}: step ${step.id}: unknown module ${step.module}`);
    try {
      return {
        id: step.id,
        name: String(fill(step.name, vars)),
        module,
        args: module.parseArgs(fill(step.args, vars)),
        when: step.when,
        ...(step.skip_reason ? { skipReason: String(fill(step.skip_reason, vars)) } : {}),
        notify: step.notify,
        satisfies: step.satisfies,
        dependsOn: step.depends_on,
      };
    } catch (error) {
      if (error instanceof ArgsError || error instanceof TemplateError) {
        throw new PlanError(`${where}: step ${step.id}: ${error.message}`);
      }
      throw error;
    }
  });
}

/** Every fact the steps need, plus the host facts their conditions read. */
export function factsFor(steps: PlannedStep[]): Fact<unknown>[] {
  return [hostFacts, ...steps.flatMap((step) => step.module.facts(step.args))];
}

function conditionVars(vars: Record<string, unknown>, facts: HostFacts): Record<string, unknown> {
  return { ...vars, facts };
}

/** Pure: facts + desired state -> ok, skip, change or fail. */
export function checkStep(
  step: PlannedStep,
  facts: FactValues,
  host: HostContext,
  vars: Record<string, unknown>,
): CheckResult {
  const scope = conditionVars(vars, host.facts);
  const unmet = step.when.find((condition) => !holds(condition, scope));
  if (unmet !== undefined) {
    return { status: 'skip', reason: step.skipReason ?? `not applicable here (${unmet} does not hold)` };
  }
  return step.module.check(step.args, facts, host);
}
