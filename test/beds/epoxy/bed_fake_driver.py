"""nova's FakeDriver with a node identity that survives a restart (bed tooling, not product code).

Epoxy's FakeDriver names its node's uuid with a per-process sentinel, so a restarted fake compute
reports a new uuid, tries to create a second compute node row for the same host and dies on
"Duplicate compute node record found". This one keeps the uuid in $state_path/compute_id, as the
libvirt driver does. Installed as nova/virt/bed_fake_driver.py (nova loads drivers from nova.virt).
"""
from nova.virt import fake
from nova.virt import node


class StableFakeDriver(fake.FakeDriver):
    def get_nodenames_by_uuid(self, refresh=False):
        return {node.get_local_node_uuid(): n for n in self.get_available_nodes()}

    def get_available_resource(self, nodename):
        resources = super().get_available_resource(nodename)
        resources['uuid'] = node.get_local_node_uuid()
        return resources
