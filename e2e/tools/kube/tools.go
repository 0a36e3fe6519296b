//go:build tools

// Pins the real Kubernetes the e2e tiers run against: kube-apiserver and kubectl from k8s.io/kubernetes
// (its staging modules replaced by their published versions), the etcd server that release is tested
// with, and, for the real node (e2e/node), kube-controller-manager, kube-scheduler and kubelet.
// e2e/tools.sh builds them into .tools/.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
