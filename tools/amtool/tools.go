//go:build tools

// Package tools pins amtool for the wrapper build.
package tools

import _ "github.com/prometheus/alertmanager/cmd/amtool"
