// What `novaops run drp` takes: its one option, as declared (manifest.ts).
import { z } from 'zod';
import { declaredFields } from '../../src/engine/params-schema.js';
import { drpManifest } from './manifest.js';

export const drpParams = z.object(declaredFields(drpManifest)).strict();

export type DrpParams = z.output<typeof drpParams>;
