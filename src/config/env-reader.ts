/**
 * Reads and checks environment variables. Every failure names the variable, so a bad
 * deployment stops at start-up with one clear line instead of misbehaving later.
 */
export class ConfigValidationError extends Error {
  constructor(
    /** The variable to fix: start-up reports every bad one at once, each once (validate-all). */
    readonly variable: string,
    problem: string,
    value?: string,
  ) {
    super(
      `Invalid configuration: ${variable} ${problem}` +
        (value === undefined ? '' : ` (got ${JSON.stringify(truncate(value))})`),
    );
    this.name = 'ConfigValidationError';
  }
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Every variable some namespace has read: the names an unknown variable is compared with. */
export const KNOWN_VARIABLES = new Set<string>(['NODE_ENV']);

export interface IntOptions {
  min?: number;
  max?: number;
}

/** Environment variables by name, as in process.env. */
export type Environment = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  constructor(private readonly env: Environment = process.env) {}

  /** The raw value, with empty strings treated as unset (as `FOO=` in a .env file means). */
  raw(name: string): string | undefined {
    KNOWN_VARIABLES.add(name);
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** `FOO=` (or only blanks): present in the environment, yet no value. */
  isSetButBlank(name: string): boolean {
    const value = this.env[name];
    return value !== undefined && value.trim() === '';
  }

  /** NODE_ENV=production: the image's setting, where silent fallbacks become start-up errors. */
  isProduction(): boolean {
    return this.raw('NODE_ENV') === 'production';
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, { min, max }: IntOptions = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      throw new ConfigValidationError(name, 'must be an integer', value);
    }
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) {
      throw new ConfigValidationError(name, 'must be an integer', value);
    }
    if (min !== undefined && parsed < min) {
      throw new ConfigValidationError(name, `must be >= ${min}`, value);
    }
    if (max !== undefined && parsed > max) {
      throw new ConfigValidationError(name, `must be <= ${max}`, value);
    }
    return parsed;
  }

  optionalInt(name: string, options: IntOptions = {}): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, 0, options);
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, { min: 1, max: 65535 });
  }

  optionalPort(name: string): number | undefined {
    return this.optionalInt(name, { min: 1, max: 65535 });
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new ConfigValidationError(name, 'must be true or false', this.raw(name));
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigValidationError(name, `must be one of ${allowed.join(', ')}`, value);
    }
    return value as T;
  }

  /** Comma-separated list; blanks dropped. */
  list(name: string, fallback: readonly string[]): string[] {
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A URL whose scheme is one of `protocols`. The value is never echoed: it may hold a password. */
  optionalUrl(name: string, protocols: readonly string[]): URL | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigValidationError(
        name,
        `must be a URL like ${protocols[0]}//host:port (value not shown: it may contain a password)`,
      );
    }
    if (!protocols.includes(url.protocol)) {
      throw new ConfigValidationError(
        name,
        `must use one of the schemes ${protocols.map((p) => p.replace(/:$/, '')).join(', ')}`,
      );
    }
    if (url.hostname === '') {
      throw new ConfigValidationError(name, 'must name a host');
    }
    return url;
  }
}
