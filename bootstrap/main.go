// Command platform-bootstrap is the Pulumi program of the account's state
// backend: the S3 bucket the platform's stacks keep their state in and the
// KMS key of their secrets provider. It is applied by hand, once per
// account, before the stacks (docs/runbooks/bootstrap.md); everything it
// does is statebackend.Program, which the tests run under mocks.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/statebackend"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		outputs, err := statebackend.Program(ctx)
		if err != nil {
			return err
		}
		for k, v := range outputs {
			ctx.Export(k, v)
		}
		return nil
	})
}
