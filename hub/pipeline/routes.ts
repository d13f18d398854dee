import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { idParams } from '../api/inputs.ts';
import type { PipelineService } from './service.ts';

/** The pipeline's figures and the objects it tracks per camera, for installers tuning a site. */
export function registerPipelineRoutes(ctx: HubContext, pipeline: PipelineService): void {
  ctx.api.route({ method: 'GET', path: '/api/pipeline/stats', access: 'system:read', summary: 'Pipeline figures: rates, drops, scheduler' }, (c) =>
    c.json(pipeline.stats()),
  );
  ctx.api.route(
    { method: 'GET', path: '/api/pipeline/cameras/:id/objects', access: 'system:read', params: idParams, summary: 'Objects tracked now on one camera' },
    (c, { params: { id } }) => {
      if (!ctx.config.get().cameras.some((cam) => cam.id === id)) throw new HubError(404, `pipeline: no camera ${id}`);
      return c.json(pipeline.objects(id));
    },
  );
}
