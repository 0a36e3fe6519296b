//go:build tools

// Pins the real Kubernetes control plane the e2e tier runs against: kube-apiserver and kubectl from
// k8s.io/kubernetes (its staging modules replaced by their published versions), and the etcd server
// that release is tested with. e2e/tools.sh builds them into .tools/.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
