import { buildModule } from './build.js';
import { commandModule } from './command.js';
import { fetchModule } from './fetch.js';
import { fileModule } from './file.js';
import { firewallModule } from './firewall.js';
import { ipvsModule } from './ipvs.js';
import { lineInFileModule } from './line-in-file.js';
import { packageModule } from './package.js';
import { serviceModule } from './service.js';
import { sysctlModule } from './sysctl.js';
import type { Module } from './types.js';
import { unarchiveModule } from './unarchive.js';

/** The built-in modules playbooks may name. */
export const modules: ReadonlyMap<string, Module<unknown>> = new Map(
  [
    buildModule,
    commandModule,
    fetchModule,
    fileModule,
    firewallModule,
    ipvsModule,
    lineInFileModule,
    packageModule,
    serviceModule,
    sysctlModule,
    unarchiveModule,
  ].map((module) => [module.name, module as Module<unknown>]),
);
