#!/usr/bin/env bash
# e2e/node/down.sh WORKDIR: stops the cluster e2e/node/up.sh WORKDIR started and removes WORKDIR. Stops exactly the
# recorded processes (and the container processes of this containerd), unmounts what is mounted under WORKDIR,
# deletes the links up.sh made, the kubelet's cgroup parent and the kernel tunables the kubelet set. Exits 1 if
# anything of it is left. E2E_NODE_KEEP_LOGS=1 keeps WORKDIR's files (up.sh does so when it fails).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
cd "$(dirname "$0")/../.." || exit
WORK=$(realpath -m "$1")
[ -d "$WORK" ] || exit 0
. e2e/control-plane.sh
CONTAINERD=$WORK/containerd
tasks=$CONTAINERD/state/io.containerd.runtime.v2.task

# With nothing left to recreate or reschedule them, the pods are deleted while the kubelet still runs: it stops
# their containers and sandboxes (CNI teardown, network namespaces removed) before the API server lets them go.
if [ -f "$WORK/pids" ]; then
  grep -E ' kube-(controller-manager|scheduler)$' "$WORK/pids" > "$WORK/pids.controllers"
  pids_stop "$WORK/pids.controllers"
  read -r kubelet_pid kubelet_start _ < <(grep ' kubelet$' "$WORK/pids")
  if [ -n "${kubelet_pid:-}" ] && pid_alive "$kubelet_pid" "$kubelet_start" kubelet && . "$WORK/node.env" \
    && "$KUBE_BIN/kubectl" get --raw /readyz >/dev/null 2>&1; then
    "$KUBE_BIN/kubectl" delete pods --all --all-namespaces --grace-period=5 --wait=false >/dev/null 2>&1
    for _ in $(seq 1 60); do
      [ -z "$("$KUBE_BIN/kubectl" get pods --all-namespaces -o name 2>/dev/null)" ] && break
      sleep 1
    done
  fi
fi
pids_stop "$WORK/pids"

# Containers that outlived containerd (a crash, a KILL): their shims are the processes left in containerd's session
# (up.sh starts it with setsid; a session's number is not reused while it has members), their processes the init.pid
# of each task, children of such a shim. A sandbox's network namespace, pinned under /var/run/netns, is in its task's
# config.json.
netns=()
session=$(awk '$4 == "containerd" {print $1}' "$WORK/pids" 2>/dev/null)
shims=$([ -n "$session" ] && pgrep -s "$session")
for dir in "$tasks"/*/*/; do
  [ -f "$dir/init.pid" ] || continue
  while read -r ns; do netns+=("$ns"); done < <(grep -o '"path":"/var/run/netns/[^"]*"' "$dir/config.json" 2>/dev/null | cut -d'"' -f4)
  init=$(cat "$dir/init.pid")
  parent=$(awk '/^PPid:/ {print $2}' "/proc/$init/status" 2>/dev/null)
  if [ -n "$parent" ] && grep -qx "$parent" <<< "$shims"; then kill -KILL "$init"; fi
done
for shim in $shims; do kill -KILL "$shim" 2>/dev/null; done

# Deepest first: the kubelet's volumes (tmpfs, bind mounts), containers' root filesystems, sandboxes' /dev/shm.
findmnt -rn -o TARGET | grep -F "$WORK/" | sort -r | while read -r target; do
  umount "$target" 2>/dev/null || umount -l "$target"
done

for ns in "${netns[@]}"; do
  umount "$ns" 2>/dev/null
  rm -f "$ns"
done

if [ -f "$WORK/links" ]; then
  while read -r link; do
    # Host ends of pod veths still on the bridge (their network namespace outlived the sandbox).
    for veth in $(ip -o link show master "$link" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$veth"
    done
    ip link show "$link" >/dev/null 2>&1 && ip link del "$link"
  done < "$WORK/links"
fi

if [ -f "$WORK/cgroup" ]; then
  cgroup=$(cat "$WORK/cgroup")
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${cgroup#/}" ] && find "$h${cgroup#/}" -depth -type d -exec rmdir {} \;
  done
fi
if [ -f "$WORK/sysctl" ]; then
  read -r overcommit panic oops < "$WORK/sysctl"
  sysctl -q -w vm.overcommit_memory="$overcommit" kernel.panic="$panic" kernel.panic_on_oops="$oops"
fi

# What is left, if anything, is an error.
left=""
if [ -f "$WORK/pids" ]; then
  while read -r pid start _ name; do pid_alive "$pid" "$start" "$name" && left="$left process $name ($pid);"; done < "$WORK/pids"
fi
for target in $(findmnt -rn -o TARGET | grep -F "$WORK/"); do left="$left mount $target;"; done
if [ -f "$WORK/links" ]; then
  while read -r link; do ip link show "$link" >/dev/null 2>&1 && left="$left link $link;"; done < "$WORK/links"
fi
[ -n "${cgroup:-}" ] && for h in /sys/fs/cgroup/*/; do [ -d "$h${cgroup#/}" ] && left="$left cgroup $h${cgroup#/};"; done
if [ -n "$left" ]; then
  echo "down: left behind:$left (files kept in $WORK)" >&2
  exit 1
fi
if [ -n "${E2E_NODE_KEEP_LOGS:-}" ]; then
  rm -f "$WORK/pids" "$WORK/pids.controllers" "$WORK/links" "$WORK/cgroup" "$WORK/sysctl"
  rm -rf "$WORK/kubelet" "$CONTAINERD/root" "$CONTAINERD/state"
else
  rm -rf "$WORK"
fi
echo "down: no process, mount, link or cgroup of $WORK left"
