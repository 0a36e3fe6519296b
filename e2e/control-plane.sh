# shellcheck shell=bash
# Sourced by e2e/run.sh and e2e/node/up.sh: etcd and a kube-apiserver (RBAC, service-account tokens signed by a
# fresh key, static tokens), and the record of every process a script starts so that its teardown stops exactly
# those. Needs KUBE_BIN (e2e/tools.sh) and WORK (the run's scratch directory).

# Appends "pid start-time signal name" to $WORK/pids; the start time tells the process from a later one with its
# PID; the signal is what stops it cleanly (TERM unless given). A name starting with "group:" stands for the
# process group the process leads (e.g. mvn, the test JVM and the processes the tests started).
pid_record() { # name pid [signal]
  echo "$2 $(pid_start "$2") ${3:-TERM} $1" >> "$WORK/pids"
}
pid_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
# The recorded process, or any process left in its group: a group's number is not reused while it has members.
pid_alive() { # pid start name
  [ "$(pid_start "$1")" = "$2" ] || { [[ $3 == group:* ]] && pgrep -g "$1" >/dev/null; }
}

# Stops the processes of a pids file, last started first: their signal, up to 10 s, then KILL.
pids_stop() { # file
  local pid start sig name target
  [ -f "$1" ] || return 0
  while read -r pid start sig name; do
    target=$pid
    [[ $name == group:* ]] && target=-$pid
    pid_alive "$pid" "$start" "$name" || continue
    kill -"$sig" -- "$target" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$pid" "$start" "$name" || break; sleep 0.2; done
    if pid_alive "$pid" "$start" "$name"; then
      echo "$name ($pid) did not stop on $sig: KILL" >&2
      kill -KILL -- "$target" 2>/dev/null || true
    fi
  done < <(tac "$1")
}

# A static token for user and groups (comma-separated, or none), in the file the API server reads at start; prints it.
cp_token() { # user groups
  local token
  token=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  echo "$token,$1,$1${2:+,\"$2\"}" >> "$WORK/tokens.csv"
  echo "$token"
}

# A kubeconfig for a token against the API server; its CA is the API server's self-signed one.
cp_kubeconfig() { # file token
  KUBECONFIG=$1 "$KUBE_BIN/kubectl" config set-cluster e2e --server="https://$CP_ADDRESS:$CP_PORT" \
    --certificate-authority="$WORK/certs/apiserver.crt" --embed-certs=true >/dev/null
  KUBECONFIG=$1 "$KUBE_BIN/kubectl" config set-credentials e2e --token="$2" >/dev/null
  KUBECONFIG=$1 "$KUBE_BIN/kubectl" config set-context e2e --cluster=e2e --user=e2e >/dev/null
  KUBECONFIG=$1 "$KUBE_BIN/kubectl" config use-context e2e >/dev/null
}

# etcd on 127.0.0.1:ETCD_PORT (and +1 for peers), the API server on CP_ADDRESS:CP_PORT with CP_AUTHZ (default RBAC)
# and CP_SERVICE_RANGE (default 10.96.0.0/16); $WORK/admin.kubeconfig as system:masters. Returns when /readyz is ok.
cp_start() { # etcd-port [extra kube-apiserver flags...]
  local etcd_port=$1
  shift
  openssl genrsa -out "$WORK/sa.key" 2048 2>/dev/null
  openssl rsa -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub" 2>/dev/null
  local admin_token
  admin_token=$(cp_token e2e-admin system:masters)
  "$KUBE_BIN/etcd" --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --log-level warn > "$WORK/etcd.log" 2>&1 &
  pid_record etcd $!
  "$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" --bind-address="$CP_ADDRESS" \
    --secure-port="$CP_PORT" --cert-dir="$WORK/certs" --authorization-mode="${CP_AUTHZ:-RBAC}" --token-auth-file="$WORK/tokens.csv" \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$WORK/sa.pub" \
    --service-account-signing-key-file="$WORK/sa.key" --service-cluster-ip-range="${CP_SERVICE_RANGE:-10.96.0.0/16}" \
    "$@" > "$WORK/apiserver.log" 2>&1 &
  pid_record kube-apiserver $!
  for _ in $(seq 1 60); do [ -s "$WORK/certs/apiserver.crt" ] && break; sleep 1; done
  cp_kubeconfig "$WORK/admin.kubeconfig" "$admin_token"
  for _ in $(seq 1 60); do
    KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" get --raw /readyz >/dev/null 2>&1 && break
    sleep 1
  done
  KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" get --raw /readyz >/dev/null
}
