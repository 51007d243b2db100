// Every file the lab owns lives under <stateDir>/lab; one place names them so up/down/status agree.
import path from 'node:path';

export function labDir(stateDir: string): string {
  return path.join(stateDir, 'lab');
}

export function labPaths(dir: string) {
  return {
    dir,
    labJson: path.join(dir, 'lab.json'),
    cloudsYaml: path.join(dir, 'clouds.yaml'),
    novaConf: path.join(dir, 'nova.conf'),
    cinderConf: path.join(dir, 'cinder.conf'),
    placementConf: path.join(dir, 'placement.conf'),
    configFile: path.join(dir, 'novaops.yaml'),
    /** nova.conf / cinder.conf as novaops sees them when the lab has a database proxy (faults). */
    proxiedNovaConf: path.join(dir, 'faults', 'nova.conf'),
    proxiedCinderConf: path.join(dir, 'faults', 'cinder.conf'),
    scenarioJson: path.join(dir, 'scenario.json'),
    simulatorLog: path.join(dir, 'simulator.log'),
    mysqlDir: path.join(dir, 'mysql'),
    mysqlData: path.join(dir, 'mysql', 'data'),
    mysqlSocket: path.join(dir, 'mysql', 'sock'),
    mysqlPid: path.join(dir, 'mysql', 'mariadbd.pid'),
    mysqlLog: path.join(dir, 'mysql', 'error.log'),
    hostsDir: path.join(dir, 'hosts'),
    /** Targets the (simulated) volume host exports; read by `iscsiadm -m discovery`. */
    iscsiTargets: path.join(dir, 'iscsi-targets'),
    /** Present when every host mounts one shared instances path (a scenario's --shared-storage). */
    sharedStorage: path.join(dir, 'shared-instances-path'),
    /** The host commands' fault plan (one `index kind` line per faulted command), read by bin/lab-faults.sh. */
    hostFaultPlan: path.join(dir, 'faults', 'host-plan'),
    /** How many host commands have asked the plan so far (the next command's index). */
    hostFaultNext: path.join(dir, 'faults', 'host-next'),
    /** One line per host fault injected: `kind host command...`. */
    hostFaultLog: path.join(dir, 'faults', 'host-injected.log'),
  };
}

export function hostPaths(dir: string, host: string) {
  const root = path.join(dir, 'hosts', host);
  return {
    root,
    bin: path.join(root, 'bin'),
    iscsiadm: path.join(root, 'bin', 'iscsiadm'),
    /** Records every stop/start and keeps each service's state under `services` (the uid-gid runbook stops and starts them). */
    systemctl: path.join(root, 'bin', 'systemctl'),
    services: path.join(root, 'run', 'lab-services'),
    servicesLog: path.join(root, 'run', 'lab-services', 'systemctl.log'),
    /** What its nova-compute reads: the lab's hosts set state_path under their own directory, as real beds do. */
    novaConf: path.join(root, 'etc', 'nova', 'nova.conf'),
    passwd: path.join(root, 'etc', 'passwd'),
    group: path.join(root, 'etc', 'group'),
    /** usermod and groupmod (with --prefix) want them next to passwd and group. */
    shadow: path.join(root, 'etc', 'shadow'),
    gshadow: path.join(root, 'etc', 'gshadow'),
    instancesDir: path.join(root, 'var', 'lib', 'nova', 'instances'),
    iscsiDir: path.join(root, 'var', 'lib', 'iscsi'),
    sessions: path.join(root, 'var', 'lib', 'iscsi', 'sessions'),
    nextSid: path.join(root, 'var', 'lib', 'iscsi', 'next_sid'),
    /** Present when the simulated host is powered off (its nova-compute stops reporting). */
    poweredOff: path.join(root, 'powered-off'),
  };
}

export function hostNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `compute${i + 1}`);
}
