#!/usr/bin/env node
// The hub's command-line entry. The hub is TypeScript run through tsx's loader, so there is no
// build step between a checkout (or a USB image) and a running hub.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../hub/cli.ts');
process.exitCode = await main(process.argv.slice(2));
