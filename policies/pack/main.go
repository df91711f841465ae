// Command pack is the platform's CrossGuard policy pack. The Pulumi CLI
// builds and runs it as an analyzer:
//
//	pulumi preview --policy-pack policies/pack
//
// It enforces the policies of package policies with the embedded
// policies/pack.yaml (levels, parameters, waivers).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"platform/policies"
	"platform/policies/crossguard"
)

func main() {
	err := policyx.Main(func(*pulumi.Context) (policyx.PolicyPack, error) {
		cfg, err := policies.PlatformConfig()
		if err != nil {
			return nil, err
		}
		return crossguard.Pack(cfg)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
