package addons

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Release is one chart installed the platform's way (NewRelease).
type Release struct {
	// Name is the Helm release; Chart the chart's name in Pinned's
	// repository; Namespace where it runs (the baseline creates it).
	Name, Chart, Namespace string
	// Pinned is the chart's repository and exact version.
	Pinned Chart
	Values pulumi.MapInput
	// TimeoutSeconds is how long an install or upgrade may take.
	TimeoutSeconds int
}

// NewRelease installs a release the way every platform chart is
// installed: pinned to an exact version, into a namespace the baseline
// owns and the release never creates, atomic (a failed upgrade rolls
// back and cleans up, nothing is left half-applied), ten revisions kept.
// Every component that installs a chart (add-ons, monitoring, logging,
// tracing, delivery) goes through here.
func NewRelease(ctx *pulumi.Context, name string, r Release, opts ...pulumi.ResourceOption) (*helmv3.Release, error) {
	return helmv3.NewRelease(ctx, name, &helmv3.ReleaseArgs{
		Name:            pulumi.String(r.Name),
		Chart:           pulumi.String(r.Chart),
		Version:         pulumi.String(r.Pinned.Version),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(r.Pinned.Repository)},
		Namespace:       pulumi.String(r.Namespace),
		CreateNamespace: pulumi.Bool(false),
		Values:          r.Values,
		Atomic:          pulumi.Bool(true), CleanupOnFail: pulumi.Bool(true),
		MaxHistory: pulumi.Int(10),
		Timeout:    pulumi.Int(r.TimeoutSeconds),
	}, opts...)
}
