package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/kms"
)

// dr composes the disaster-recovery stack: keys and network in the DR
// region, and the primary stack's outputs (replica buckets and keys the
// primary stack created here) read through a StackReference.
func dr(ctx *pulumi.Context, e *environment) (pulumi.Map, error) {
	cfg := e.cfg
	home, err := e.provider(cfg.Region)
	if err != nil {
		return nil, err
	}
	primaryRef, err := pulumi.NewStackReference(ctx, "primary", &pulumi.StackReferenceArgs{
		Name: pulumi.String(cfg.PrimaryStack),
	})
	if err != nil {
		return nil, err
	}
	keys, err := kms.NewKeys(ctx, "kms", &kms.KeysArgs{
		Namer: e.namer, Purposes: kms.AllPurposes, DeletionWindowDays: cfg.KMS.DeletionWindowDays, Protect: cfg.ProtectStateful(),
	}, home)
	if err != nil {
		return nil, err
	}
	vpc, err := newNetwork(ctx, e, keys, home)
	if err != nil {
		return nil, err
	}

	// The primary stack must replicate into this stack's region; a DR stack
	// pointed at the wrong primary fails here, in preview.
	primaryDRRegion := primaryRef.GetStringOutput(pulumi.String("drRegion")).ApplyT(func(r string) (string, error) {
		if r != cfg.Region {
			return "", fmt.Errorf("primaryStack %s replicates to %q, but this dr stack is in %q: set primaryStack to the stack whose drRegion is %s", cfg.PrimaryStack, r, cfg.Region, cfg.Region)
		}
		return r, nil
	}).(pulumi.StringOutput)

	out := networkOutputs(vpc)
	out["role"] = pulumi.String(cfg.Role)
	out["region"] = primaryDRRegion
	out["primaryRegion"] = primaryRef.GetStringOutput(pulumi.String("region"))
	out["kmsKeyArns"] = keys.Arns
	out["dataReplicaBucketName"] = primaryRef.GetStringOutput(pulumi.String("dataReplicaBucketName"))
	out["auditReplicaBucketName"] = primaryRef.GetStringOutput(pulumi.String("auditReplicaBucketName"))
	out["replicaKmsKeyArns"] = primaryRef.GetOutput(pulumi.String("drReplicaKmsKeyArns"))
	return out, nil
}
