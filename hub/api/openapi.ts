/**
 * The hub's API as an OpenAPI 3.1 document, generated from the router's route declarations
 * (`ApiRouter.routes`): the permission, params, query, body and body limit the router enforces are
 * the ones the document states, so the two cannot drift apart. Pure: routes in, a JSON value out;
 * `GET /api/openapi.json` (hub/system/routes.ts) serves it. The versioning policy is docs/api.md.
 */
import { z } from 'zod';
import { SESSION_COOKIE, type HandlerError, type RouteInfo } from './router.ts';

type Json = Record<string, unknown>;

/** The API's contract version (`info.x-api-version`); docs/api.md says when it changes. */
export const API_VERSION = 1;

export interface ApiDocInfo {
  /** The hub's release (package.json), `info.version`. */
  version: string;
  title?: string;
}

/** `/api/cameras/:id` → `/api/cameras/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const pathParamNames = (path: string): string[] => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/**
 * Converts zod schemas to JSON Schema, hoisting any `$defs` (recursive or named schemas) into
 * `components.schemas`: inside an OpenAPI document `#/$defs/x` would resolve against the
 * document's root, not the schema's.
 */
class Schemas {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    // unrepresentable 'any': a z.custom or z.date becomes {} (anything) rather than failing the whole document.
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      let unique = name;
      for (let i = 2; this.components[unique] && JSON.stringify(this.components[unique]) !== JSON.stringify(def); i++) unique = `${name}_${i}`;
      renamed.set(name, unique);
    }
    // A schema that contains itself refers to its root (`#`): it becomes a component of its own.
    const recursive = JSON.stringify(json).includes('"$ref":"#"');
    const root = recursive ? this.freeName('Recursive') : undefined;
    const rewrite = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(rewrite);
      if (!v || typeof v !== 'object') return v;
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) {
        const def = k !== '$ref' || typeof x !== 'string' ? undefined : x === '#' ? root : x.startsWith('#/$defs/') ? renamed.get(x.slice(8)) : undefined;
        out[k] = def ? `#/components/schemas/${def}` : rewrite(x);
      }
      return out;
    };
    for (const [name, def] of Object.entries(defs)) this.components[renamed.get(name)!] = rewrite(def) as Json;
    if (!root) return rewrite(json) as Json;
    this.components[root] = rewrite(json) as Json;
    return { $ref: `#/components/schemas/${root}` };
  }

  private freeName(base: string): string {
    let name = base;
    for (let i = 2; this.components[name]; i++) name = `${base}${i}`;
    return name;
  }
}

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
const errorBody = (detail: Json) => ({
  type: 'object',
  required: ['error', 'detail'],
  properties: { error: { type: 'string', description: 'What went wrong, prefixed with the module (`auth: sign in required`)' }, detail },
  additionalProperties: false,
});
const errorResponse = (description: string, detail: Json = { type: 'null' }, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: errorBody(detail) } },
});

/** The answers the router itself gives (hub/api/router.ts onError, guard, inputs; request-input.ts). */
const ROUTER_RESPONSES = {
  BadRequest: errorResponse(
    'A param, query field or body field is invalid, each named in `detail` (`params.id`, `query.limit`, `body.source.url`); or the body is not JSON (`body`). A handler refusing a value the schema allowed sends `detail: null`.',
    { oneOf: [{ type: 'array', items: { $ref: '#/components/schemas/InputIssue' } }, { type: 'null' }] },
  ),
  Unauthorized: errorResponse('No session: none sent, expired, ended by logout, or its user disabled'),
  Forbidden: errorResponse("The user's role lacks the route's permission (`x-permission`), or the user must change the password first"),
  NotFound: errorResponse('No such thing (or no such route)'),
  PayloadTooLarge: errorResponse("The body is over the route's limit (`x-body-limit`); the connection is closed", {
    type: 'object',
    required: ['limit'],
    properties: { limit: { type: 'integer', description: 'The limit in bytes' } },
  }),
  TooManyRequests: errorResponse(
    'Too many at once: live streams of this session (4), or sign-in attempts from this address',
    { type: 'null' },
    {
      'Retry-After': { description: 'Seconds to wait (sign-in attempts)', schema: { type: 'integer' } },
    },
  ),
  InternalError: errorResponse('An unexpected failure, logged with its stack on the hub'),
} satisfies Record<string, Json>;

/** Statuses a handler may declare (`RouteSpec.errors`), with what they mean here. */
const HANDLER_RESPONSES: Record<HandlerError, Json> = {
  400: ref('BadRequest'),
  404: ref('NotFound'),
  409: errorResponse('Conflicts with the current state (it exists already, or a newer change came first)'),
  416: errorResponse('The requested byte range is outside the file'),
  422: errorResponse('The configuration this change would make is invalid; `detail` names each field by its config path', {
    type: 'array',
    items: { $ref: '#/components/schemas/InputIssue' },
  }),
  423: errorResponse('Locked (the account, or the thing, is locked for now)'),
  429: ref('TooManyRequests'),
  503: errorResponse('Not available now (its module is not running, or a dependency is down)'),
};

/** A unique camelCase id: `GET /api/events/:id/snapshot.jpg` → `getEventsByIdSnapshotJpg`. */
function operationId(r: RouteInfo, taken: Set<string>): string {
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  const words = r.path
    .replace(/^\/api\//, '/')
    .split(/[^A-Za-z0-9:_]+/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `By${cap(w.slice(1))}` : cap(w)));
  const base = r.method.toLowerCase() + words.join('');
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
}

function parameters(where: 'path' | 'query', schema: Json, route: string): Json[] {
  const props = schema.properties as Record<string, Json> | undefined;
  if (!props) throw new Error(`api: the ${where} schema of ${route} is not an object; it cannot be documented as parameters`);
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function success(r: RouteInfo, schemas: Schemas): [string, Json] {
  if (r.stream) {
    return [
      '200',
      {
        description: `Server-sent events (stream \`${r.stream}\`): each message has \`event:\`, \`data:\` (JSON) and maybe \`id:\`; a \`: ping\` comment when idle. Ends when the session does.`,
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
    ];
  }
  const res = r.response;
  if (!res) return ['200', { description: 'Success: JSON whose shape this route does not declare yet', content: { 'application/json': { schema: {} } } }];
  const status = String(res.status ?? 200);
  if (status === '204') return [status, { description: res.description ?? 'Done; no body' }];
  const type = res.type ?? 'application/json';
  const schema = res.schema ? schemas.convert(res.schema, 'output') : type === 'application/json' ? {} : { type: 'string', format: 'binary' };
  return [status, { description: res.description ?? 'Success', content: { [type]: { schema } } }];
}

function operation(r: RouteInfo, schemas: Schemas, ids: Set<string>): Json {
  const name = `${r.method} ${r.path}`;
  const params = r.params ? parameters('path', schemas.convert(r.params, 'input'), name) : [];
  for (const p of pathParamNames(r.path))
    if (!params.some((x) => x.name === p)) params.push({ name: p, in: 'path', required: true, schema: { type: 'string' } });
  const query = r.query ? parameters('query', schemas.convert(r.query, 'input'), name) : [];
  const body = r.body && {
    // An empty body parses as undefined: the route's schema says whether that is allowed.
    required: !r.body.safeParse(undefined).success,
    description: `JSON, at most ${bytes(r.bodyLimit)} (413 past it)`,
    content: { 'application/json': { schema: schemas.convert(r.body, 'input') } },
  };
  const responses: Json = Object.fromEntries([success(r, schemas)]);
  if (r.params || r.query || r.body) responses['400'] = ref('BadRequest');
  if (r.access !== 'public') {
    responses['401'] = ref('Unauthorized');
    if (r.access !== 'authenticated' || !r.whilePasswordChangeDue) responses['403'] = ref('Forbidden');
  }
  if (r.params) responses['404'] = ref('NotFound');
  responses['413'] = ref('PayloadTooLarge');
  if (r.stream) responses['429'] = ref('TooManyRequests');
  for (const s of r.errors ?? []) responses[String(s)] ??= HANDLER_RESPONSES[s];
  responses['500'] = ref('InternalError');
  const scopes = r.access === 'public' || r.access === 'authenticated' ? [] : [r.access];
  const segment = r.path.split('/').filter(Boolean);
  return {
    operationId: operationId(r, ids),
    ...(r.summary ? { summary: r.summary } : {}),
    tags: [segment[0] === 'api' && segment[1] && !segment[1].includes('.') ? segment[1] : 'system'],
    ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
    // The permission travels twice: as an extension a reader can grep, and as the security
    // requirement's scope (OpenAPI 3.1 allows role names as scopes of any scheme).
    security: r.access === 'public' ? [] : [{ session: scopes }, { bearer: scopes }],
    'x-permission': r.access,
    'x-body-limit': r.bodyLimit,
    ...(r.whilePasswordChangeDue ? { 'x-while-password-change-due': true } : {}),
    ...(r.stream ? { 'x-stream': r.stream } : {}),
  };
}

/** The OpenAPI 3.1 document of these routes. Throws when a route's schema cannot be documented. */
export function openApiDocument(routes: readonly RouteInfo[], info: ApiDocInfo): Json {
  const schemas = new Schemas();
  const ids = new Set<string>();
  const paths: Record<string, Json> = {};
  for (const r of routes) (paths[openApiPath(r.path)] ??= {})[r.method.toLowerCase()] = operation(r, schemas, ids);
  const tags = [...new Set(Object.values(paths).flatMap((p) => Object.values(p).flatMap((o) => (o as { tags: string[] }).tags)))];
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Commune edge hub API',
      version: info.version,
      description:
        "Generated from the hub's route declarations. Every route states its permission (`x-permission`, also the scope of its security requirement) and its body limit (`x-body-limit`). Query objects are strict: an unknown query name is a 400. Errors are JSON `{error, detail}`. Versioning policy: docs/api.md.",
      'x-api-version': API_VERSION,
    },
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The session cookie `POST /api/auth/login` sets (HttpOnly)' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same session token, as `Authorization: Bearer <token>`' },
      },
      schemas: {
        InputIssue: {
          type: 'object',
          required: ['path', 'message'],
          additionalProperties: false,
          properties: {
            path: { type: 'string', description: '`params.id`, `query.limit`, `body.source.url`; a config path for 422' },
            message: { type: 'string' },
          },
        },
        ...schemas.components,
      },
      responses: ROUTER_RESPONSES,
    },
  };
}
