do_respawn() { say "phase respawn: not written yet"; }
