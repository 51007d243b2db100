// Cinder database: volumes and volume_attachment as in cinder/db/sqlalchemy/models.py (the
// attachment columns moved off `volumes` into `volume_attachment` in Mitaka).

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

export const VOLUMES = `CREATE TABLE volumes (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  deleted_at datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT NULL,
  id varchar(36) NOT NULL,
  ec2_id varchar(255) DEFAULT NULL,
  user_id varchar(255) DEFAULT NULL,
  project_id varchar(255) DEFAULT NULL,
  host varchar(255) DEFAULT NULL,
  size int(11) DEFAULT NULL,
  availability_zone varchar(255) DEFAULT NULL,
  status varchar(255) DEFAULT NULL,
  attach_status varchar(255) DEFAULT NULL,
  scheduled_at datetime DEFAULT NULL,
  launched_at datetime DEFAULT NULL,
  terminated_at datetime DEFAULT NULL,
  display_name varchar(255) DEFAULT NULL,
  display_description varchar(255) DEFAULT NULL,
  provider_location varchar(256) DEFAULT NULL,
  provider_auth varchar(256) DEFAULT NULL,
  snapshot_id varchar(36) DEFAULT NULL,
  volume_type_id varchar(36) NOT NULL,
  source_volid varchar(36) DEFAULT NULL,
  bootable tinyint(1) DEFAULT NULL,
  provider_geometry varchar(255) DEFAULT NULL,
  _name_id varchar(36) DEFAULT NULL,
  encryption_key_id varchar(36) DEFAULT NULL,
  migration_status varchar(255) DEFAULT NULL,
  replication_status varchar(255) DEFAULT NULL,
  replication_extended_status varchar(255) DEFAULT NULL,
  replication_driver_data varchar(255) DEFAULT NULL,
  consistencygroup_id varchar(36) DEFAULT NULL,
  provider_id varchar(255) DEFAULT NULL,
  multiattach tinyint(1) DEFAULT NULL,
  previous_status varchar(255) DEFAULT NULL,
  cluster_name varchar(255) DEFAULT NULL,
  group_id varchar(36) DEFAULT NULL,
  service_uuid varchar(36) DEFAULT NULL,
  shared_targets tinyint(1) DEFAULT NULL,
  use_quota tinyint(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  KEY volumes_service_uuid_idx (service_uuid, deleted),
  KEY volumes_status_idx (status, deleted),
  KEY volumes_created_at_idx (deleted, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export const VOLUME_ATTACHMENT = `CREATE TABLE volume_attachment (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  deleted_at datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT NULL,
  id varchar(36) NOT NULL,
  volume_id varchar(36) NOT NULL,
  attached_host varchar(255) DEFAULT NULL,
  instance_uuid varchar(36) DEFAULT NULL,
  mountpoint varchar(255) DEFAULT NULL,
  attach_time datetime DEFAULT NULL,
  detach_time datetime DEFAULT NULL,
  attach_mode varchar(36) DEFAULT NULL,
  attach_status varchar(255) DEFAULT NULL,
  connection_info text DEFAULT NULL,
  connector text DEFAULT NULL,
  PRIMARY KEY (id),
  KEY volume_id (volume_id),
  KEY attachments_instance_uuid_idx (instance_uuid)
) ${TABLE_OPTS}`;

export const CINDER_MODERN_TABLES = [VOLUMES, VOLUME_ATTACHMENT];
