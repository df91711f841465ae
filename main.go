// Command platform-program is the Pulumi program of the platform. The
// Pulumi CLI runs it (`pulumi preview`, `pulumi up`); everything it does is
// in package stacks, which the offline planner (cmd/platform) runs too.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/stacks"
)

func main() {
	pulumi.Run(stacks.Run)
}
