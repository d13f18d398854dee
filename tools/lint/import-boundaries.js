// The import boundaries that keep the hub's layers apart, as one ESLint rule ("boundaries/layers").
//
// - Nothing imports test code: no file outside test/ imports from test/, and no file imports a
//   *.test.ts. Code that tests, benchmarks and model tools share lives in tools/.
// - hub/ is layered. The foundation (core, store, metrics, config) and the platform (api, auth,
//   audit) never import a subsystem (cameras, record, detect, pipeline, events, devices, system,
//   demo, and any new folder). Foundation folders import only lower foundation folders.
// - A subsystem reaches another subsystem only through that folder's public entries: index.ts
//   (what it offers) or config.ts (its configuration section: zod schemas and pure checks).
// - A config.ts is a leaf the configuration can compose without pulling in run-time code: it
//   imports only core, lib, config and other subsystems' config.ts.
// - hub/lib is the pure shared library (geometry, boxes, queues, colour): it imports nothing of
//   the hub. hub/context.ts (the context every module is given) is open to all.
// The composition root (hub/main.ts, hub/cli.ts) and test/, bench/, models/ may import any hub file.
import path from 'node:path';

const FOUNDATION_RANK = { lib: 0, core: 0, store: 1, metrics: 1, config: 2 };
const PLATFORM = new Set(['api', 'auth', 'audit']);
const PUBLIC_ENTRIES = new Set(['index.ts', 'config.ts']);

/** Where a file sits: its top-level area, and for hub/ its folder and the rest of its path. */
function place(root, file) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] !== 'hub') return { area: rel[0], rel };
  if (rel.length === 2) return { area: 'hub', folder: undefined, rest: rel.slice(1), rel };
  return { area: 'hub', folder: rel[1], rest: rel.slice(2), rel };
}

const kind = (folder) => (folder in FOUNDATION_RANK ? 'foundation' : PLATFORM.has(folder) ? 'platform' : 'subsystem');

/** Why importing `to` from `from` breaks a boundary, or undefined if it does not. */
export function boundaryProblem(root, fromFile, toFile) {
  const from = place(root, fromFile);
  const to = place(root, toFile);
  if (/\.test\.ts$/.test(toFile)) return 'imports a test file';
  if (to.area === 'test' && from.area !== 'test') return `${from.area}/ imports test code (shared helpers belong in tools/)`;
  if (from.area !== 'hub' || from.folder === undefined || to.area !== 'hub') return undefined;
  if (to.folder === undefined) return to.rest[0] === 'context.ts' ? undefined : `a hub folder imports the composition root (hub/${to.rest[0]})`;
  if (to.folder === from.folder) return undefined;
  const fromKind = kind(from.folder);
  const toKind = kind(to.folder);
  const entry = to.rest.join('/');
  if (from.rest.join('/') === 'config.ts' && fromKind === 'subsystem') {
    if (['core', 'lib', 'config'].includes(to.folder) || (toKind === 'subsystem' && entry === 'config.ts')) return undefined;
    return `a configuration section (config.ts) imports ${to.folder}/${entry}: it may import only core, lib, config and other config.ts`;
  }
  if (fromKind === 'foundation') {
    if (toKind === 'foundation' && FOUNDATION_RANK[to.folder] < FOUNDATION_RANK[from.folder]) return undefined;
    if (from.folder === 'core' && to.folder === 'lib') return undefined;
    if (from.folder === 'config' && toKind === 'subsystem' && entry === 'config.ts') return undefined;
    return `hub/${from.folder} is foundation and may not import hub/${to.folder}/${entry}`;
  }
  if (fromKind === 'platform') {
    if (toKind !== 'subsystem') return undefined;
    return `hub/${from.folder} (platform) may not import the subsystem hub/${to.folder}`;
  }
  if (toKind === 'subsystem' && !PUBLIC_ENTRIES.has(entry)) {
    return `hub/${from.folder} reaches into hub/${to.folder}/${entry}: import it through hub/${to.folder}/index.ts`;
  }
  return undefined;
}

const layers = {
  meta: { type: 'problem', docs: { description: 'keeps the hub layers apart and test code out of product code' }, schema: [] },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const problem = boundaryProblem(root, file, path.resolve(path.dirname(file), spec));
      if (problem) context.report({ node: node.source, message: `${problem} ('${spec}')` });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { layers } };
