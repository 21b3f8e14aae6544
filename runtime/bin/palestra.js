#!/usr/bin/env node
// The `palestra` command. Palestra's packages are TypeScript run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
