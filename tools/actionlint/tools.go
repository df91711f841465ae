//go:build tools

// Package tools pins actionlint for the wrapper build.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
