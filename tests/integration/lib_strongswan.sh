# Start Debian's strongSwan (charon with kernel-libipsec) in a named network namespace for
# interop tests (sourced after lib.sh). Each charon gets a private /run (a mount namespace with
# a tmpfs), its own strongswan.conf, log and VICI socket under $T/sw-NAME, so several can run
# at once. Stopped by the test's exit trap. SW_LOG_IKE / SW_LOG_CFG set charon's ike and cfg
# log levels (default 2; the benchmark uses charon's default, 1).
SW_CHARON=/usr/lib/ipsec/charon

sw_available() {
  [ -x "$SW_CHARON" ] && have swanctl && [ -c /dev/net/tun ]
}

# sw_start NAME NETNS SWANCTL_CONF_TEXT
sw_start() {
  d="$T/sw-$1"
  mkdir -p "$d"
  cat > "$d/strongswan.conf" <<CONF
charon {
  load = random nonce openssl aes sha1 sha2 md5 hmac gmp kdf drbg pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  filelog {
    log {
      path = $d/charon.log
      time_format = %b %e %T
      default = 1
      ike = ${SW_LOG_IKE:-2}
      cfg = ${SW_LOG_CFG:-2}
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
  }
  install_routes = yes
  retransmit_tries = 3
}
CONF
  printf '%s\n' "$3" > "$d/swanctl.conf"
  ip netns exec "$2" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
    STRONGSWAN_CONF=$d/strongswan.conf exec $SW_CHARON" > "$d/stdout" 2>&1 &
  echo $! > "$d/pid"
  eval "sw_pid_$1=\$!"
  cleanup_hooks="sw_stop_$1 $cleanup_hooks"
  eval "sw_stop_$1() { kill \$(cat $d/pid) 2>/dev/null; wait \$(cat $d/pid) 2>/dev/null; }"
  i=0
  until [ -S "$d/charon.vici" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$d/stdout" "$d/charon.log" 2>/dev/null; fail "charon $1 did not start"; }
    sleep 0.1
  done
  swanctl --load-all --file "$d/swanctl.conf" --uri "unix://$d/charon.vici" > "$d/load.log" 2>&1 ||
    { cat "$d/load.log"; fail "swanctl could not load $1's config"; }
}

sw_swanctl() {   # sw_swanctl NAME ARGS...
  sw_n=$1; shift
  swanctl "$@" --uri "unix://$T/sw-$sw_n/charon.vici"
}

sw_log() { cat "$T/sw-$1/charon.log"; }

# Two named namespaces joined by a veth: vl-$1-a (10.10.0.1) and vl-$1-b (10.10.0.2).
netns_pair() {
  a="vl-$1-a"; b="vl-$1-b"
  ip netns add "$a" && ip netns add "$b" || fail "ip netns add"
  cleanup_hooks="netns_pair_del_$1 $cleanup_hooks"
  eval "netns_pair_del_$1() { ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null; }"
  ip link add eth0 netns "$a" type veth peer name eth0 netns "$b"
  ip -n "$a" addr add 10.10.0.1/24 dev eth0
  ip -n "$b" addr add 10.10.0.2/24 dev eth0
  for n in "$a" "$b"; do ip -n "$n" link set lo up; ip -n "$n" link set eth0 up; done
}
