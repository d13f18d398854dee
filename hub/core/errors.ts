/** An error the API renders as `{error, detail}` with its HTTP status. */
export class HubError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 416 | 422 | 423 | 429 | 500 | 503,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }
}
