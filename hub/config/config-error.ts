/** Formats a zod path as `cameras[2].source.url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * A configuration that cannot be used, with every bad field named by its path. The API answers it
 * with 422 and these issues; at start-up it stops the hub with its message.
 */
export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`config: ${where} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
