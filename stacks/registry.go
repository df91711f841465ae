package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/kms"
	"platform/components/registry"
)

// newRegistry sets the stack region's ECR registry: enhanced scanning on
// push and continuously, the creation templates that give replicated and
// cached repositories the repository controls, pull-through caches of the
// public registries, and, in the primary, replication of the platform's
// repositories to the DR region (whose cluster pulls from its own region).
// The services' repositories come with their service.
func newRegistry(ctx *pulumi.Context, e *environment, keys *kms.Keys, boundary pulumi.StringInput, replicateTo string, provider pulumi.ResourceOption) error {
	_, err := registry.NewRegistry(ctx, "registry", &registry.RegistryArgs{
		Namer: e.namer, KmsKeyArn: keys.Arn(kms.Data), ReplicationRegion: replicateTo,
		PullThroughCaches:     registry.PublicCaches,
		PermissionBoundaryArn: boundary,
	}, provider)
	return err
}
