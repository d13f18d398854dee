import type { HubModule } from '../context.ts';

export const camerasModule: HubModule = {
  name: 'cameras',
  start() {
    return { stop() {} };
  },
};
