// The nova_api tables that map cells (nova/db/api/models.py CellMapping, HostMapping,
// InstanceMapping), as SHOW CREATE TABLE shows them on the Epoxy bed (test/beds/FINDINGS-epoxy.md).
// The foreign keys to cell_mappings are left out so scenarios can TRUNCATE; the index each one
// brings (`cell_id`) stays.

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

export const CELL_MAPPINGS = `CREATE TABLE cell_mappings (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  uuid varchar(36) NOT NULL,
  name varchar(255) DEFAULT NULL,
  transport_url text DEFAULT NULL,
  database_connection text DEFAULT NULL,
  disabled tinyint(1) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_cell_mappings0uuid (uuid),
  KEY uuid_idx (uuid)
) ${TABLE_OPTS}`;

export const HOST_MAPPINGS = `CREATE TABLE host_mappings (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  cell_id int(11) NOT NULL,
  host varchar(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_host_mappings0host (host),
  KEY cell_id (cell_id),
  KEY host_idx (host)
) ${TABLE_OPTS}`;

export const INSTANCE_MAPPINGS = `CREATE TABLE instance_mappings (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  instance_uuid varchar(36) NOT NULL,
  cell_id int(11) DEFAULT NULL,
  project_id varchar(255) NOT NULL,
  queued_for_delete tinyint(1) DEFAULT NULL,
  user_id varchar(255) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_instance_mappings0instance_uuid (instance_uuid),
  KEY cell_id (cell_id),
  KEY instance_uuid_idx (instance_uuid),
  KEY project_id_idx (project_id),
  KEY instance_mappings_user_id_project_id_idx (user_id, project_id)
) ${TABLE_OPTS}`;

export const NOVA_API_TABLES = [CELL_MAPPINGS, HOST_MAPPINGS, INSTANCE_MAPPINGS];
