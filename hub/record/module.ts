import type { HubModule } from '../context.ts';

export const recordModule: HubModule = {
  name: 'record',
  start() {
    return { stop() {} };
  },
};
