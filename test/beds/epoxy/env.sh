# The Epoxy bed's names, ports and paths. Everything differs from the Zed bed (../shared/realstack,
# /tmp/ostack, standard ports), so both can run at once on one machine.
BED=epoxy
SUITE=trixie
B=${EPOXY_BED_DIR:-/tmp/epoxy}       # outside: the bed's root file system and timings
ROOT=$B/root                          # the trixie root (debootstrap), services run chrooted in it
BED_IN=/srv/bed                       # inside the root: etc/ run/ logs/ data/ lock/
BED_OUT=$ROOT$BED_IN                  # the same directory seen from the host
LOG=$BED_OUT/logs
RUN=$BED_OUT/run
TIMES=$B/timings.txt
PW=epoxy-secret                       # every password (db users, rabbit user, keystone users)
DBP=epoxy_                            # prefix of every database and db user of this bed
RABBIT_USER=epoxy
RABBIT_VHOST=epoxy
# ports (the Zed bed uses 5000 8774 8776 8778 9292 9696 11211)
P_KEYSTONE=15000
P_NOVA=18774
P_PLACEMENT=18778
P_CINDER=18776
P_GLANCE=19292
P_NEUTRON=19696
P_MEMCACHED=21211
# HOST:CELL of each fake compute; EPOXY_COMPUTES adds more, e.g. "compute1:cell1 compute2:cell2 compute3:cell2"
# (a second compute in a cell is what an evacuation needs: nova never moves a server across cells)
COMPUTES=${EPOXY_COMPUTES:-"compute1:cell1 compute2:cell2"}
CELLS="cell1 cell2"
KS=http://127.0.0.1:$P_KEYSTONE
dburl() { echo "mysql+pymysql://${DBP}$1:$PW@127.0.0.1/${DBP}$2"; }   # dburl USER DB
rabbit_url() { echo "rabbit://$RABBIT_USER:$PW@127.0.0.1:5672/$RABBIT_VHOST${1:+_$1}"; }   # rabbit_url [CELL]
