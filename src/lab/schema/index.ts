// Which CREATE TABLE statements each flavour needs, per schema. In the nova-volume flavour the
// cinder schema exists but stays empty: Diablo had no Cinder, and an empty schema keeps
// cinder.conf loadable while flavour detection still sees no cinder tables. Placement is the same
// in both flavours: the lab's compute nodes are resource providers whatever holds the volumes.
// Every cell database (cell0, cell1 = `nova`, cell2) has the same tables, as nova-manage db sync
// makes them; nova_api holds the cell mappings.
import type { LabFlavour } from '../types.js';
import { NOVA_MODERN_TABLES } from './nova-modern.js';
import { CINDER_MODERN_TABLES } from './cinder-modern.js';
import { NOVA_LEGACY_TABLES } from './nova-legacy.js';
import { NOVA_API_TABLES } from './nova-api.js';
import { PLACEMENT_TABLES } from './placement.js';

export type SchemaKey = 'nova' | 'novaCell0' | 'novaCell2' | 'novaApi' | 'cinder' | 'placement';

export function schemaTables(flavour: LabFlavour): Record<SchemaKey, string[]> {
  const cell = flavour === 'modern' ? NOVA_MODERN_TABLES : NOVA_LEGACY_TABLES;
  return {
    nova: cell,
    novaCell0: cell,
    novaCell2: cell,
    novaApi: NOVA_API_TABLES,
    cinder: flavour === 'modern' ? CINDER_MODERN_TABLES : [],
    placement: PLACEMENT_TABLES,
  };
}

export function tableName(ddl: string): string {
  const m = /^CREATE TABLE (\w+)/.exec(ddl);
  if (!m) throw new Error('unexpected DDL');
  return m[1];
}
