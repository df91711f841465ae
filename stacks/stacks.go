// Package stacks composes the platform's components per stack role. It is
// the only place that reads stack config, creates providers and decides
// which components exist; components build what they are given.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/stacks/config"
)

// Run is the Pulumi program: main.go passes it to pulumi.Run.
func Run(ctx *pulumi.Context) error {
	_, err := Program(ctx)
	return err
}

// Program loads and validates the stack config, composes the stack of its
// role, exports the outputs and returns them (the offline planner serves
// them to the dr stack's StackReference). Invalid config fails before any
// resource is registered.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := config.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("invalid stack config (Pulumi.%s.yaml, namespace %s:):\n%w", ctx.Stack(), config.Namespace, err)
	}
	env := newEnvironment(ctx, cfg)
	var outputs pulumi.Map
	switch cfg.Role {
	case config.RolePrimary:
		outputs, err = primary(ctx, env)
	case config.RoleDR:
		outputs, err = dr(ctx, env)
	}
	if err != nil {
		return nil, err
	}
	for k, v := range outputs {
		ctx.Export(k, v)
	}
	return outputs, nil
}

// environment is what every composition needs: the config, the namer and
// the providers.
type environment struct {
	cfg   config.StackConfig
	namer naming.Namer
	tags  map[string]string
	// providers by region, created on first use.
	providers map[string]*aws.Provider
	ctx       *pulumi.Context
}

func newEnvironment(ctx *pulumi.Context, cfg config.StackConfig) *environment {
	return &environment{
		ctx: ctx,
		cfg: cfg,
		namer: naming.Namer{
			Project:     ctx.Project(),
			Environment: cfg.Tags.Environment,
			Region:      cfg.Region,
			AccountID:   cfg.AccountID,
		},
		tags:      DefaultTags(ctx.Project(), ctx.Stack(), cfg),
		providers: map[string]*aws.Provider{},
	}
}

// DefaultTags are the tags every AWS resource gets through its provider.
func DefaultTags(project, stack string, cfg config.StackConfig) map[string]string {
	return map[string]string{
		naming.TagEnvironment:        cfg.Tags.Environment,
		naming.TagOwner:              cfg.Tags.Owner,
		naming.TagCostCenter:         cfg.Tags.CostCenter,
		naming.TagDataClassification: cfg.Tags.DataClassification,
		naming.TagManagedBy:          "pulumi",
		naming.TagStack:              stack,
		naming.TagProject:            project,
	}
}

// provider returns the explicit AWS provider of a region. It may touch only
// the configured account, and tags everything it creates.
func (e *environment) provider(region string) (pulumi.ResourceOption, error) {
	if p, ok := e.providers[region]; ok {
		return pulumi.Provider(p), nil
	}
	p, err := aws.NewProvider(e.ctx, "aws-"+region, &aws.ProviderArgs{
		Region:            pulumi.String(region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(e.cfg.AccountID)},
		DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(e.tags)},
	})
	if err != nil {
		return nil, err
	}
	e.providers[region] = p
	return pulumi.Provider(p), nil
}
