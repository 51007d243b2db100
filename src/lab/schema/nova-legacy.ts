// The Diablo-era nova-volume layout the guide's SQL was written for:
//   update volumes set mountpoint=NULL, status='available', attach_status='detached', instance_id=0
// Volumes live in the nova database with an integer id and an integer instance_id.
// The lab keeps the modern instances/services/instance_actions tables beside it so the API
// simulator works the same way; only the volume bookkeeping is legacy.
import {
  COMPUTE_NODES,
  INSTANCE_ACTIONS,
  INSTANCE_ACTIONS_EVENTS,
  INSTANCE_INFO_CACHES,
  INSTANCE_METADATA,
  INSTANCES,
  MIGRATIONS,
  SERVICES,
} from './nova-modern.js';

export const LEGACY_VOLUMES = `CREATE TABLE volumes (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  deleted_at datetime DEFAULT NULL,
  deleted tinyint(1) DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  ec2_id varchar(255) DEFAULT NULL,
  user_id varchar(255) DEFAULT NULL,
  project_id varchar(255) DEFAULT NULL,
  host varchar(255) DEFAULT NULL,
  size int(11) DEFAULT NULL,
  availability_zone varchar(255) DEFAULT NULL,
  instance_id int(11) DEFAULT NULL,
  mountpoint varchar(255) DEFAULT NULL,
  attach_time varchar(255) DEFAULT NULL,
  status varchar(255) DEFAULT NULL,
  attach_status varchar(255) DEFAULT NULL,
  scheduled_at datetime DEFAULT NULL,
  launched_at datetime DEFAULT NULL,
  terminated_at datetime DEFAULT NULL,
  display_name varchar(255) DEFAULT NULL,
  display_description varchar(255) DEFAULT NULL,
  provider_location varchar(256) DEFAULT NULL,
  provider_auth varchar(256) DEFAULT NULL,
  volume_type_id int(11) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY instance_id (instance_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

export const NOVA_LEGACY_TABLES = [
  INSTANCES,
  LEGACY_VOLUMES,
  SERVICES,
  INSTANCE_ACTIONS,
  INSTANCE_ACTIONS_EVENTS,
  INSTANCE_INFO_CACHES,
  INSTANCE_METADATA,
  COMPUTE_NODES,
  MIGRATIONS,
];
