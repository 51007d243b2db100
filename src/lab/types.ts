// Shapes shared by every part of the lab. lab.json holds a LabInfo; it never holds the DB password
// (that lives in nova.conf / cinder.conf, as on a real deployment).

import type { FaultSpec } from './faults/plan.js';

export type LabFlavour = 'modern' | 'nova-volume';

/**
 * The OpenStack release the simulator answers as, where releases differ in what novaops meets:
 * the compute microversions offered (Zed 2.1-2.93, 2025.1 Epoxy 2.1-2.100), from 2.95 an
 * evacuation that leaves the instance stopped on the target, and (Epoxy, as from 2023.2) a reboot
 * that first removes the instance's dangling volume attachments (simulator/dangling-bdms.ts).
 */
export type LabRelease = 'zed' | 'epoxy';
export const LAB_RELEASES: readonly LabRelease[] = ['zed', 'epoxy'];

export interface SimSettings {
  /** Added to every request before it is handled, to make concurrency visible. */
  latencyMs: number;
  /** Time from an accepted hard reboot to vm_state active / task_state NULL. */
  rebootMs: number;
  /** Time from an accepted attach to volume in-use / attached. */
  attachMs: number;
  /** Like libvirt since Liberty: the requested device name is ignored, the next free one is used. */
  ignoreRequestedDevice: boolean;
  /**
   * nova.conf [DEFAULT] service_down_time (60 s): a service whose last heartbeat is older is down.
   * Heartbeats are kept to the second (services.last_seen_up is a DATETIME, as in Nova), so keep it
   * above reportIntervalMs + 1.5 s or an up service can read down for a moment.
   */
  serviceDownTimeMs: number;
  /** nova.conf [DEFAULT] report_interval (10 s): how often a running nova-compute heartbeats. */
  reportIntervalMs: number;
  /** Time from an accepted evacuate to the instance ACTIVE on its new host (the rebuild). */
  evacuateMs: number;
  /** Time from an accepted delete to the instance gone (when its compute service is up). */
  deleteMs: number;
  /** The release the APIs answer as (lab up --release). */
  release: LabRelease;
}

export const DEFAULT_SETTINGS: SimSettings = {
  latencyMs: 0,
  rebootMs: 300,
  attachMs: 200,
  ignoreRequestedDevice: false,
  serviceDownTimeMs: 60_000,
  reportIntervalMs: 10_000,
  evacuateMs: 400,
  deleteMs: 200,
  release: 'zed',
};

export interface LabDbInfo {
  host: string;
  port: number;
  user: string;
  /**
   * nova is cell1's database (what nova.conf's [database] names). placement: absent in labs made
   * before the lab had Placement; novaApi, novaCell0, novaCell2: absent in labs made before the
   * lab had cells v2 (recreate them).
   */
  schemas: { nova: string; cinder: string; placement?: string; novaApi?: string; novaCell0?: string; novaCell2?: string };
  /** True when the lab runs its own mariadbd. */
  private: boolean;
  pid?: number;
  dataDir?: string;
  /** Schema prefix on a shared server ('' on a private one). */
  prefix?: string;
  /**
   * Set when the lab was made with database faults in mind: the simulator runs a MySQL proxy on
   * this loopback port and novaops's config reaches the database through it.
   */
  proxyPort?: number;
}

export interface LabInfo {
  dir: string;
  flavour: LabFlavour;
  db: LabDbInfo;
  api: { url: string; authUrl: string; pid?: number };
  cloudsYaml: string;
  cloudName: 'novaops-lab';
  novaConf: string;
  cinderConf: string;
  /** /etc/placement/placement.conf's counterpart ([placement_database] connection). */
  placementConf?: string;
  configFile: string;
  hosts: string[];
  settings: SimSettings;
  /** The fault plan the simulator starts with (`lab up --fault-rate ...`); absent: no faults. */
  faults?: FaultSpec;
}

// Keystone ids are 32 hex digits; fixed so scenarios and tokens agree without sharing state.
export const ADMIN_PROJECT_ID = '4a6e2f0c9b3d4e1f8a7b6c5d4e3f2a10';
export const DEMO_PROJECT_ID = '7c1d9e8f6a5b4c3d2e1f0a9b8c7d6e50';
export const ADMIN_USER_ID = 'b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1';
export const DEMO_USER_ID = 'd1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a2';
export const LAB_CLOUD_NAME = 'novaops-lab' as const;
export const ISCSI_PORTAL = '127.0.0.1:3260';
export const IQN_PREFIX = 'iqn.2010-10.org.openstack:';
