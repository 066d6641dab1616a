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
