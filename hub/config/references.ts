/**
 * Every reference between sections of the configuration, checked by the one schema (so `hub
 * config check`, the API's 422 and start-up say the same thing). Each section owns the checks of
 * what it names (`eventsReferences`, `pipelineReferences`, `devicesReferences`); this file wires
 * them to the ids the other sections define. Pure: no I/O.
 */
import type { CameraConfig } from '../cameras/config.ts';
import { eventsReferences, parkedRules, type EventsConfig } from '../events/config.ts';
import { pipelineReferences, type PipelineConfig } from '../pipeline/config.ts';
import { devicesNotes, outputProblem, type DevicesConfig } from '../devices/config.ts';
import { under, uniqueIds, type Report } from './ref-check.ts';

/** The parts of a parsed config that refer to each other (HubConfig, named structurally to avoid a cycle). */
export interface LinkedSections {
  cameras: CameraConfig[];
  events: EventsConfig;
  pipeline: PipelineConfig;
  devices: DevicesConfig;
}

/** Reports every reference of one section to another that names nothing. */
export function checkReferences(cfg: LinkedSections, report: Report): void {
  uniqueIds(cfg.cameras, 'cameras', 'camera', report);
  const cameras = new Set(cfg.cameras.map((c) => c.id));
  const hasCamera = (id: string): boolean => cameras.has(id);
  eventsReferences(cfg.events, { hasCamera, outputProblem: (d, o) => outputProblem(cfg.devices, d, o) }, under(report, ['events']));
  pipelineReferences(cfg.pipeline, hasCamera, under(report, ['pipeline']));
  // The devices section's own references are checked by its schema (devicesSchema), through the
  // same Report, so the section alone (tests, the devices runtime) is held to them too.
}

/**
 * What is valid but worth saying: references the schema tolerates because nothing runs on them
 * (a disabled rule waiting for its camera). `config check` prints these; events report them in health.
 */
export function referenceNotes(cfg: LinkedSections): string[] {
  const cameras = new Set(cfg.cameras.map((c) => c.id));
  return parkedRules(cfg.events.rules, (id) => cameras.has(id))
    .map(({ rule, reason }) => {
      const i = cfg.events.rules.indexOf(rule);
      return `events.rules[${i}]: ${reason}`;
    })
    .concat(devicesNotes(cfg.devices));
}
