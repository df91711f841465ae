//go:build pins

// Package pins holds the SDK modules the platform pins in go.mod before any
// component imports them (EKS and Kubernetes land with the cluster issue).
// The build tag keeps them out of every normal build, so they cost nothing
// to compile, while `go mod tidy` still keeps their exact versions.
package pins

import (
	_ "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
)
