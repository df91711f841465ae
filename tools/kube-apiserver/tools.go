//go:build tools

// Package tools pins kube-apiserver for the wrapper build.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
