/** Errors whose message is written for the person who caused them: shown as-is in the app and the CLI. */
export class PinnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinnError';
  }
}

/** The environment has no WebGPU at all (browser without it, Node without an adapter). */
export class WebGPUUnavailableError extends PinnError {
  constructor(detail: string) {
    super(`WebGPU is not available: ${detail}`);
    this.name = 'WebGPUUnavailableError';
  }
}

/** A request (buffer size, workgroup memory, ...) is larger than this device allows. */
export class DeviceLimitError extends PinnError {
  constructor(
    readonly limit: string,
    readonly requested: number,
    readonly allowed: number,
    what: string,
  ) {
    super(`${what} needs ${requested} but this device's ${limit} is ${allowed}`);
    this.name = 'DeviceLimitError';
  }
}

/** Invalid user input: a model file, a setting, a points file. */
export class InputError extends PinnError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * A value the user typed, as a message echoes it: control characters (a newline would make a
 * one-line message two) escaped, at most `max` characters (40; a file path 120). Without quotes: messages add their own.
 */
export function shownValue(raw: string, max = 40): string {
  return JSON.stringify(raw.length > max ? `${raw.slice(0, max)}…` : raw).slice(1, -1);
}
