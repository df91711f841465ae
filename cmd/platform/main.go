// Command platform plans the platform's stacks offline, with no cloud
// credentials and no Pulumi CLI. See package internal/cli.
package main

import (
	"os"

	"platform/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
