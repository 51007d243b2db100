// The forms in which deployments keep volume attachments (DESIGN.md section 7), named apart from
// their detection (schema-flavour.ts) so that the reads and the cleanup can both speak of them.
export type SchemaFlavour = 'modern' | 'cinder-columns' | 'nova-volume';
