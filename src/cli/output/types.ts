import type { EngineEvent } from '../../engine/events.js';

/** Turns the engine's event stream into what a person or a script reads. */
export interface Renderer {
  handle(event: EngineEvent): void;
  /** Waits until everything is on screen (listr2 draws asynchronously). */
  finish(): Promise<void>;
}
