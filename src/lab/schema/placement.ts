// Placement database (`placement`): the tables GET/PUT/DELETE /allocations and the resource
// provider calls read and write, as SHOW CREATE TABLE shows them on a Zed deployment
// (openstack-placement 8.0.0). Foreign keys are left out so scenarios can TRUNCATE.

const TABLE_OPTS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

export const RESOURCE_PROVIDERS = `CREATE TABLE resource_providers (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  uuid varchar(36) NOT NULL,
  name varchar(200) DEFAULT NULL,
  generation int(11) DEFAULT NULL,
  root_provider_id int(11) DEFAULT NULL,
  parent_provider_id int(11) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_resource_providers0uuid (uuid),
  UNIQUE KEY uniq_resource_providers0name (name),
  KEY resource_providers_name_idx (name),
  KEY resource_providers_parent_provider_id_idx (parent_provider_id),
  KEY resource_providers_root_provider_id_idx (root_provider_id),
  KEY resource_providers_uuid_idx (uuid)
) ${TABLE_OPTS}`;

export const INVENTORIES = `CREATE TABLE inventories (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  resource_provider_id int(11) NOT NULL,
  resource_class_id int(11) NOT NULL,
  total int(11) NOT NULL,
  reserved int(11) NOT NULL,
  min_unit int(11) NOT NULL,
  max_unit int(11) NOT NULL,
  step_size int(11) NOT NULL,
  allocation_ratio float NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_inventories0resource_provider_resource_class (resource_provider_id, resource_class_id),
  KEY inventories_resource_class_id_idx (resource_class_id),
  KEY inventories_resource_provider_id_idx (resource_provider_id),
  KEY inventories_resource_provider_resource_class_idx (resource_provider_id, resource_class_id)
) ${TABLE_OPTS}`;

/** consumer_id is the consumer's uuid (an instance uuid for Nova). */
export const ALLOCATIONS = `CREATE TABLE allocations (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  resource_provider_id int(11) NOT NULL,
  consumer_id varchar(36) NOT NULL,
  resource_class_id int(11) NOT NULL,
  used int(11) NOT NULL,
  PRIMARY KEY (id),
  KEY allocations_resource_provider_class_used_idx (resource_provider_id, resource_class_id, used),
  KEY allocations_resource_class_id_idx (resource_class_id),
  KEY allocations_consumer_id_idx (consumer_id)
) ${TABLE_OPTS}`;

export const CONSUMERS = `CREATE TABLE consumers (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  uuid varchar(36) NOT NULL,
  project_id int(11) NOT NULL,
  user_id int(11) NOT NULL,
  generation int(11) NOT NULL DEFAULT 0,
  consumer_type_id int(11) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_consumers0uuid (uuid),
  KEY consumers_project_id_user_id_uuid_idx (project_id, user_id, uuid),
  KEY consumers_project_id_uuid_idx (project_id, uuid),
  KEY consumers_consumer_type_id_idx (consumer_type_id)
) ${TABLE_OPTS}`;

export const PROJECTS = `CREATE TABLE projects (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  external_id varchar(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_projects0external_id (external_id)
) ${TABLE_OPTS}`;

export const USERS = `CREATE TABLE users (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  external_id varchar(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_users0external_id (external_id)
) ${TABLE_OPTS}`;

/** Holds the standard classes too (VCPU is id 0): placement syncs them into the table at start. */
export const RESOURCE_CLASSES = `CREATE TABLE resource_classes (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  name varchar(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_resource_classes0name (name)
) ${TABLE_OPTS}`;

export const CONSUMER_TYPES = `CREATE TABLE consumer_types (
  created_at datetime DEFAULT NULL,
  updated_at datetime DEFAULT NULL,
  id int(11) NOT NULL AUTO_INCREMENT,
  name varchar(255) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_consumer_types0name (name)
) ${TABLE_OPTS}`;

export const PLACEMENT_TABLES = [RESOURCE_PROVIDERS, INVENTORIES, ALLOCATIONS, CONSUMERS, PROJECTS, USERS, RESOURCE_CLASSES, CONSUMER_TYPES];

/** os-resource-classes 1.1 (Zed): the standard classes in id order, as placement writes them. */
export const STANDARD_RESOURCE_CLASSES = [
  'VCPU',
  'MEMORY_MB',
  'DISK_GB',
  'PCI_DEVICE',
  'SRIOV_NET_VF',
  'NUMA_SOCKET',
  'NUMA_CORE',
  'NUMA_THREAD',
  'NUMA_MEMORY_MB',
  'IPV4_ADDRESS',
  'VGPU',
  'VGPU_DISPLAY_HEAD',
  'NET_BW_EGR_KILOBIT_PER_SEC',
  'NET_BW_IGR_KILOBIT_PER_SEC',
  'PCPU',
  'MEM_ENCRYPTION_CONTEXT',
  'FPGA',
  'PGPU',
  'NET_PACKET_RATE_KILOPACKET_PER_SEC',
  'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
  'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
];
