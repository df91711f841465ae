//go:build tools

// Package tools pins the Pulumi CLI command for the wrapper build.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
