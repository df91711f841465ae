//go:build tools

// Package tools pins promtool for the wrapper build.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
