// Package registry owns the platform's container registry in ECR: the
// settings of one account's registry in one region (enhanced scanning on
// push and continuously, replication of the platform's repositories to the
// DR region, pull-through caches of public registries and the repository
// creation templates that give the repositories ECR creates by itself the
// platform's encryption, tag and lifecycle rules) and each service's
// repository (KMS-encrypted, immutable tags, scanned on push, a lifecycle
// policy that keeps enough releases for a rollback, pull and push limited
// to named roles).
//
// A registry is regional: the DR stack runs NewRegistry in its own region
// too, so that the repositories replication creates there are encrypted
// with that region's key and scanned like the primary's.
package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Tag mutability settings of ECR.
const (
	Immutable = "IMMUTABLE"
	Mutable   = "MUTABLE"
)

// Defaults.
const (
	// DefaultUntaggedExpiryDays expires untagged images (superseded
	// manifests, failed pushes) a week after their push.
	DefaultUntaggedExpiryDays = 7
	// DefaultKeepReleaseImages keeps the last 30 release images: months of
	// releases to roll back to.
	DefaultKeepReleaseImages = 30
	// MinKeepReleaseImages is the fewest release images a repository may
	// keep: a rollback needs more than the image that runs.
	MinKeepReleaseImages = 5
)

// DefaultReleaseTagPrefixes mark release images: semantic versions, v1.2.3.
var DefaultReleaseTagPrefixes = []string{"v"}

// Lifecycle is the lifecycle policy of a repository. Zero fields take the
// defaults.
type Lifecycle struct {
	// UntaggedExpiryDays expires untagged images this many days after
	// their push (default 7).
	UntaggedExpiryDays int
	// ReleaseTagPrefixes are the tag prefixes of release images (default
	// "v").
	ReleaseTagPrefixes []string
	// KeepReleaseImages is how many release images are kept, newest first
	// (default 30, at least 5).
	KeepReleaseImages int
}

func (l Lifecycle) withDefaults() Lifecycle {
	if l.UntaggedExpiryDays == 0 {
		l.UntaggedExpiryDays = DefaultUntaggedExpiryDays
	}
	if len(l.ReleaseTagPrefixes) == 0 {
		l.ReleaseTagPrefixes = DefaultReleaseTagPrefixes
	}
	if l.KeepReleaseImages == 0 {
		l.KeepReleaseImages = DefaultKeepReleaseImages
	}
	return l
}

func (l Lifecycle) validate(path string) []error {
	var errs []error
	if l.UntaggedExpiryDays < 1 {
		errs = append(errs, fmt.Errorf("%s.untaggedExpiryDays: must be at least 1, got %d", path, l.UntaggedExpiryDays))
	}
	if l.KeepReleaseImages < MinKeepReleaseImages {
		errs = append(errs, fmt.Errorf("%s.keepReleaseImages: must be at least %d so that a rollback has images to go back to, got %d", path, MinKeepReleaseImages, l.KeepReleaseImages))
	}
	for i, p := range l.ReleaseTagPrefixes {
		if !tagPrefixPattern.MatchString(p) {
			errs = append(errs, fmt.Errorf("%s.releaseTagPrefixes[%d]: must be a tag prefix of letters, digits, '.', '_' or '-', got %q", path, i, p))
		}
	}
	return errs
}

// LifecyclePolicy is an ECR lifecycle policy document.
type LifecyclePolicy struct {
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a lifecycle policy; a lower RulePriority
// is evaluated first.
type LifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description,omitempty"`
	Selection    LifecycleSelection `json:"selection"`
	Action       LifecycleAction    `json:"action"`
}

// LifecycleSelection selects the images a rule expires.
type LifecycleSelection struct {
	// TagStatus is tagged, untagged or any.
	TagStatus     string   `json:"tagStatus"`
	TagPrefixList []string `json:"tagPrefixList,omitempty"`
	// CountType is imageCountMoreThan or sinceImagePushed.
	CountType string `json:"countType"`
	// CountUnit is days, with sinceImagePushed.
	CountUnit   string `json:"countUnit,omitempty"`
	CountNumber int    `json:"countNumber"`
}

// LifecycleAction is what a rule does to the images it selects.
type LifecycleAction struct {
	Type string `json:"type"`
}

// Policy is the lifecycle policy of a defaulted Lifecycle: untagged images
// expire after UntaggedExpiryDays; of the release images, all but the
// newest KeepReleaseImages expire. Other tagged images are kept.
func (l Lifecycle) Policy() LifecyclePolicy {
	return LifecyclePolicy{Rules: []LifecycleRule{
		{
			RulePriority: 1,
			Description:  fmt.Sprintf("expire untagged images %d days after their push", l.UntaggedExpiryDays),
			Selection:    LifecycleSelection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: l.UntaggedExpiryDays},
			Action:       LifecycleAction{Type: "expire"},
		},
		{
			RulePriority: 2,
			Description:  fmt.Sprintf("keep the newest %d release images for rollbacks", l.KeepReleaseImages),
			Selection:    LifecycleSelection{TagStatus: "tagged", TagPrefixList: l.ReleaseTagPrefixes, CountType: "imageCountMoreThan", CountNumber: l.KeepReleaseImages},
			Action:       LifecycleAction{Type: "expire"},
		},
	}}
}

// JSON renders the policy. Marshalling plain values cannot fail.
func (p LifecyclePolicy) JSON() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	// namePattern is one component of an ECR repository name.
	namePattern = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// cachePrefixPattern is a pull-through cache rule's repository prefix:
	// 2-30 characters.
	cachePrefixPattern = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	tagPrefixPattern   = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// PullThroughCache caches an upstream registry under a repository prefix:
// the cluster pulls <registry>/<Prefix>/<image> and ECR fetches the image
// from the upstream on first pull.
type PullThroughCache struct {
	// Prefix is the repository prefix of the cached images (ecr-public).
	Prefix string
	// UpstreamRegistryURL is the upstream registry (public.ecr.aws).
	UpstreamRegistryURL string
	// CredentialArn is the Secrets Manager secret with the upstream's
	// credentials, for upstreams that require authentication (Docker Hub,
	// GitHub, GitLab, Azure, Chainguard). ECR requires the secret's name
	// to start with ecr-pullthroughcache/.
	CredentialArn pulumi.StringInput
}

// PublicCaches are the upstreams that need no credentials: ECR Public and
// Quay.
var PublicCaches = []PullThroughCache{
	{Prefix: "ecr-public", UpstreamRegistryURL: "public.ecr.aws"},
	{Prefix: "quay", UpstreamRegistryURL: "quay.io"},
}

// DockerHub caches Docker Hub, which needs the credentials of a Docker Hub
// account in a Secrets Manager secret named ecr-pullthroughcache/....
func DockerHub(credentialArn pulumi.StringInput) PullThroughCache {
	return PullThroughCache{Prefix: "docker-hub", UpstreamRegistryURL: "registry-1.docker.io", CredentialArn: credentialArn}
}

// authenticatedUpstreams are the upstream registries ECR pulls from only
// with credentials from Secrets Manager (ECR user guide, "Sync an upstream
// registry with an Amazon ECR private registry").
var authenticatedUpstreams = []string{"registry-1.docker.io", "ghcr.io", "registry.gitlab.com", "cgr.dev"}

func needsCredentials(url string) bool {
	return slices.Contains(authenticatedUpstreams, url) || strings.HasSuffix(url, ".azurecr.io")
}

// CacheTagMutability is the tag mutability of the repositories pull-through
// caches create: MUTABLE, the one exception to immutable tags. ECR keeps a
// cached tag in step with its upstream (it checks the upstream for a newer
// image of a pulled tag at least once every 24 hours), and upstream tags
// such as nginx:1.27 move to patched images; an immutable cache repository
// would keep the first image it saw. The platform pins every image it runs
// by digest, which no tag mutability can change, so a moving cached tag
// cannot change what runs. The pack's ecr-immutable-tags policy admits
// MUTABLE only for templates that apply to pull-through caches alone.
const CacheTagMutability = Mutable

// RegistryArgs configure the registry of this account in the namer's
// region.
type RegistryArgs struct {
	// Namer gives the region, the account and the physical names.
	Namer naming.Namer
	// KmsKeyArn encrypts the repositories ECR creates (replicas and
	// caches): the data key of this region.
	KmsKeyArn pulumi.StringInput
	// RepositoryPrefix is the first part of every platform repository's
	// name (<prefix>/<service>); the namer's project when empty.
	RepositoryPrefix string
	// ReplicationRegion receives a copy of every platform repository
	// (same account), so that the DR cluster pulls from its own region.
	// Empty: no replication (the DR region itself).
	ReplicationRegion string
	// PullThroughCaches are the upstream registries cached in this one
	// (PublicCaches, DockerHub).
	PullThroughCaches []PullThroughCache
	// Lifecycle is the lifecycle policy of the repositories ECR creates.
	Lifecycle Lifecycle
	// PermissionBoundaryArn bounds the repository creation role, like
	// every role of the platform.
	PermissionBoundaryArn pulumi.StringInput
}

func (a RegistryArgs) withDefaults() RegistryArgs {
	if a.RepositoryPrefix == "" {
		a.RepositoryPrefix = a.Namer.Project
	}
	a.Lifecycle = a.Lifecycle.withDefaults()
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a RegistryArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required: the repositories ECR creates are encrypted with the region's data key")
	}
	if a.PermissionBoundaryArn == nil {
		add("permissionBoundaryArn: is required: every platform role carries the permission boundary")
	}
	if !namePattern.MatchString(a.RepositoryPrefix) {
		add("repositoryPrefix: must be lower-case letters and digits, separated by '.', '_' or '-', got %q", a.RepositoryPrefix)
	}
	if r := a.ReplicationRegion; r != "" && (!regionPattern.MatchString(r) || r == a.Namer.Region) {
		add("replicationRegion: must be a region other than %q (or empty for none), got %q", a.Namer.Region, r)
	}
	seen := map[string]bool{a.RepositoryPrefix: true}
	for i, c := range a.PullThroughCaches {
		path := fmt.Sprintf("pullThroughCaches[%d]", i)
		if len(c.Prefix) < 2 || len(c.Prefix) > 30 || !cachePrefixPattern.MatchString(c.Prefix) {
			add("%s.prefix: must be 2-30 lower-case letters and digits, separated by '.', '_' or '-', got %q", path, c.Prefix)
		} else if seen[c.Prefix] {
			add("%s.prefix: %q is already used by the platform's repositories or another cache", path, c.Prefix)
		}
		seen[c.Prefix] = true
		if c.UpstreamRegistryURL == "" || strings.Contains(c.UpstreamRegistryURL, "/") {
			add("%s.upstreamRegistryUrl: must be a registry host name (public.ecr.aws), got %q", path, c.UpstreamRegistryURL)
		}
		if needsCredentials(c.UpstreamRegistryURL) && c.CredentialArn == nil {
			add("%s.credentialArn: %s requires credentials: name a Secrets Manager secret called ecr-pullthroughcache/...", path, c.UpstreamRegistryURL)
		}
	}
	errs = append(errs, a.Lifecycle.validate("lifecycle")...)
	return errors.Join(errs...)
}

// Registry is the registry-level configuration of one region.
type Registry struct {
	pulumi.ResourceState

	// CreationRoleArn is the role ECR assumes to create repositories from
	// the templates (it needs it for KMS encryption).
	CreationRoleArn pulumi.StringOutput
}

// NewRegistry configures the registry of the namer's region.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		args = &RegistryArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("registry %s: %w", name, err)
	}
	r := &Registry{}
	inputs := pulumi.Map{
		"repositoryPrefix":  pulumi.String(a.RepositoryPrefix),
		"replicationRegion": pulumi.String(a.ReplicationRegion),
	}
	if err := ctx.RegisterComponentResourceV2("platform:registry:Registry", name, inputs, r, opts...); err != nil {
		return nil, err
	}
	if err := buildRegistry(ctx, name, a, r); err != nil {
		return nil, fmt.Errorf("registry %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"creationRoleArn": r.CreationRoleArn}); err != nil {
		return nil, err
	}
	return r, nil
}

func buildRegistry(ctx *pulumi.Context, name string, a RegistryArgs, r *Registry) error {
	parent := pulumi.Parent(r)
	n := a.Namer
	everything := ecr.RegistryScanningConfigurationRuleRepositoryFilterArray{
		ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs{Filter: pulumi.String("*"), FilterType: pulumi.String("WILDCARD")},
	}
	// Enhanced scanning (Amazon Inspector) scans every repository on push
	// and again whenever a new vulnerability is published.
	if _, err := ecr.NewRegistryScanningConfiguration(ctx, name, &ecr.RegistryScanningConfigurationArgs{
		ScanType: pulumi.String("ENHANCED"),
		Rules: ecr.RegistryScanningConfigurationRuleArray{
			ecr.RegistryScanningConfigurationRuleArgs{ScanFrequency: pulumi.String("SCAN_ON_PUSH"), RepositoryFilters: everything},
			ecr.RegistryScanningConfigurationRuleArgs{ScanFrequency: pulumi.String("CONTINUOUS_SCAN"), RepositoryFilters: everything},
		},
	}, parent); err != nil {
		return err
	}

	if a.ReplicationRegion != "" {
		if _, err := ecr.NewReplicationConfiguration(ctx, name, &ecr.ReplicationConfigurationArgs{
			ReplicationConfiguration: ecr.ReplicationConfigurationReplicationConfigurationArgs{
				Rules: ecr.ReplicationConfigurationReplicationConfigurationRuleArray{ecr.ReplicationConfigurationReplicationConfigurationRuleArgs{
					Destinations: ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArray{
						ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs{
							Region: pulumi.String(a.ReplicationRegion), RegistryId: pulumi.String(n.AccountID),
						},
					},
					// Only the platform's repositories: caches are filled
					// from their upstream in each region.
					RepositoryFilters: ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArray{
						ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs{
							Filter: pulumi.String(a.RepositoryPrefix), FilterType: pulumi.String("PREFIX_MATCH"),
						},
					},
				}},
			},
		}, parent); err != nil {
			return err
		}
	}

	prefixes := []string{a.RepositoryPrefix}
	for _, c := range a.PullThroughCaches {
		prefixes = append(prefixes, c.Prefix)
	}
	// ECR needs a role of its own to create repositories encrypted with a
	// customer-managed key from a template (ECR user guide, "Create an IAM
	// role for repository creation templates"). The guide's trust policy
	// has no aws:SourceAccount condition and its policy grants on "*";
	// here the grants name the template prefixes' repositories and the key.
	role, err := iam.NewRole(ctx, name+"-repository-creation", &iam.RoleArgs{
		Name:        pulumi.String(n.Name(naming.IAMRole, "ecr-repository-creation")),
		Description: pulumi.String("ECR repository creation templates: creates replicated and cached repositories encrypted with the data key"),
		AssumeRolePolicy: pulumi.String(policydoc.New(policydoc.Statement{
			Effect: policydoc.Allow, Principal: policydoc.Service("ecr.amazonaws.com"), Action: "sts:AssumeRole",
		}).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return err
	}
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-repository-creation", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return CreationRolePolicy(n, v[0], prefixes)
		}, a.KmsKeyArn),
	}, parent)
	if err != nil {
		return err
	}
	r.CreationRoleArn = role.Arn

	lifecycle := pulumi.String(a.Lifecycle.Policy().JSON())
	encryption := ecr.RepositoryCreationTemplateEncryptionConfigurationArray{
		ecr.RepositoryCreationTemplateEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KmsKeyArn},
	}
	after := pulumi.DependsOn([]pulumi.Resource{rolePolicy})
	// Replicas arrive with the name of their source, so the template of
	// the platform's prefix applies to them in the destination region.
	if _, err := ecr.NewRepositoryCreationTemplate(ctx, name+"-replication", &ecr.RepositoryCreationTemplateArgs{
		Prefix:                   pulumi.String(a.RepositoryPrefix),
		Description:              pulumi.String("Repositories replicated from the platform's other region"),
		AppliedFors:              pulumi.StringArray{pulumi.String("REPLICATION")},
		ImageTagMutability:       pulumi.String(Immutable),
		EncryptionConfigurations: encryption,
		LifecyclePolicy:          lifecycle,
		CustomRoleArn:            role.Arn,
	}, parent, after); err != nil {
		return err
	}
	for _, c := range a.PullThroughCaches {
		rule := &ecr.PullThroughCacheRuleArgs{
			EcrRepositoryPrefix: pulumi.String(c.Prefix),
			UpstreamRegistryUrl: pulumi.String(c.UpstreamRegistryURL),
		}
		if c.CredentialArn != nil {
			rule.CredentialArn = c.CredentialArn.ToStringOutput().ToStringPtrOutput()
		}
		if _, err := ecr.NewPullThroughCacheRule(ctx, name+"-"+c.Prefix, rule, parent); err != nil {
			return err
		}
		if _, err := ecr.NewRepositoryCreationTemplate(ctx, name+"-"+c.Prefix, &ecr.RepositoryCreationTemplateArgs{
			Prefix:                   pulumi.String(c.Prefix),
			Description:              pulumi.Sprintf("Pull-through cache of %s", c.UpstreamRegistryURL),
			AppliedFors:              pulumi.StringArray{pulumi.String("PULL_THROUGH_CACHE")},
			ImageTagMutability:       pulumi.String(CacheTagMutability),
			EncryptionConfigurations: encryption,
			LifecyclePolicy:          lifecycle,
			CustomRoleArn:            role.Arn,
		}, parent, after); err != nil {
			return err
		}
	}
	return nil
}

// CreationRolePolicy lets ECR create, fill and tag the repositories of the
// template prefixes in the namer's region, and let them use the key.
func CreationRolePolicy(n naming.Namer, keyArn string, prefixes []string) policydoc.Document {
	var repos []string
	for _, p := range prefixes {
		repos = append(repos, n.ARN("ecr", "repository/"+p+"/*"))
	}
	return policydoc.New(
		policydoc.Statement{
			Sid:      "CreateTemplatedRepositories",
			Effect:   policydoc.Allow,
			Action:   []string{"ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"},
			Resource: repos,
		},
		policydoc.Statement{
			Sid:      "EncryptWithTheDataKey",
			Effect:   policydoc.Allow,
			Action:   []string{"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"},
			Resource: keyArn,
		},
	)
}

// RepositoryArgs configure one service's repository.
type RepositoryArgs struct {
	// Namer gives the region and the account.
	Namer naming.Namer
	// RepositoryPrefix is the first part of the name, as in RegistryArgs;
	// the namer's project when empty.
	RepositoryPrefix string
	// Service names the repository: <prefix>/<service>.
	Service string
	// KmsKeyArn encrypts the images: the region's data key.
	KmsKeyArn pulumi.StringInput
	// Lifecycle is the repository's lifecycle policy.
	Lifecycle Lifecycle
	// PullRoleArns may pull (the cluster's node role); PushRoleArns may
	// push and pull (the CI deploy role). When either is set, the
	// repository policy also denies pushes by anyone else.
	PullRoleArns []pulumi.StringInput
	PushRoleArns []pulumi.StringInput
	// Protect turns on pulumi.Protect. Repositories are always retained on
	// delete and never force-deleted: their images are releases.
	Protect bool
	// Tags are extra tags; required tags come from the provider.
	Tags map[string]string
}

func (a RepositoryArgs) withDefaults() RepositoryArgs {
	if a.RepositoryPrefix == "" {
		a.RepositoryPrefix = a.Namer.Project
	}
	a.Lifecycle = a.Lifecycle.withDefaults()
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a RepositoryArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !namePattern.MatchString(a.RepositoryPrefix) {
		add("repositoryPrefix: must be lower-case letters and digits, separated by '.', '_' or '-', got %q", a.RepositoryPrefix)
	}
	if !namePattern.MatchString(a.Service) || len(a.Service) > 128 {
		add("service: must be lower-case letters and digits, separated by '.', '_' or '-', got %q", a.Service)
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required: images are encrypted with a customer-managed key")
	}
	for i, arn := range a.PullRoleArns {
		if arn == nil {
			add("pullRoleArns[%d]: is nil", i)
		}
	}
	for i, arn := range a.PushRoleArns {
		if arn == nil {
			add("pushRoleArns[%d]: is nil", i)
		}
	}
	errs = append(errs, a.Lifecycle.validate("lifecycle")...)
	return errors.Join(errs...)
}

// Repository is one service's image repository.
type Repository struct {
	pulumi.ResourceState

	// Name is <prefix>/<service>.
	Name pulumi.StringOutput
	// Arn is the repository ARN.
	Arn pulumi.StringOutput
	// RepositoryURL is what images are pushed to and pulled from.
	RepositoryURL pulumi.StringOutput
}

// NewRepository creates a service's repository and its policies.
func NewRepository(ctx *pulumi.Context, name string, args *RepositoryArgs, opts ...pulumi.ResourceOption) (*Repository, error) {
	if args == nil {
		args = &RepositoryArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("repository %s: %w", name, err)
	}
	r := &Repository{}
	inputs := pulumi.Map{"service": pulumi.String(a.Service), "protect": pulumi.Bool(a.Protect)}
	if err := ctx.RegisterComponentResourceV2("platform:registry:Repository", name, inputs, r, opts...); err != nil {
		return nil, err
	}
	if err := buildRepository(ctx, name, a, r); err != nil {
		return nil, fmt.Errorf("repository %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"name": r.Name, "arn": r.Arn, "repositoryUrl": r.RepositoryURL}); err != nil {
		return nil, err
	}
	return r, nil
}

func buildRepository(ctx *pulumi.Context, name string, a RepositoryArgs, r *Repository) error {
	parent := pulumi.Parent(r)
	repo, err := ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		Name:               pulumi.String(a.RepositoryPrefix + "/" + a.Service),
		ImageTagMutability: pulumi.String(Immutable), // a release tag always names the image that was tested
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KmsKeyArn},
		},
		// Basic scan on push; the registry's enhanced scanning, where it
		// is on, takes precedence.
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		ForceDelete:                pulumi.Bool(false), // never delete released images with the repository
		Tags:                       pulumi.ToStringMap(a.Tags),
	}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
	if err != nil {
		return err
	}
	r.Name, r.Arn, r.RepositoryURL = repo.Name, repo.Arn, repo.RepositoryUrl

	if _, err := ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(a.Lifecycle.Policy().JSON()),
	}, parent); err != nil {
		return err
	}

	if len(a.PullRoleArns)+len(a.PushRoleArns) == 0 {
		return nil
	}
	arns := append(append([]pulumi.StringInput{}, a.PullRoleArns...), a.PushRoleArns...)
	pulls := len(a.PullRoleArns)
	_, err = ecr.NewRepositoryPolicy(ctx, name, &ecr.RepositoryPolicyArgs{
		Repository: repo.Name,
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return RepositoryPolicy(v[:pulls], v[pulls:])
		}, arns...),
	}, parent)
	return err
}

// Repository actions: pulling an image, and pushing one.
var (
	PullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	PushActions = []string{"ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}
)

// RepositoryPolicy lets the pull roles pull and the push roles push and
// pull, and denies pushes to every other principal, so that only CI puts
// images in the repository. (Pulls are not denied to others: replication
// and enhanced scanning read images through service roles.) Callers still
// need ecr:GetAuthorizationToken in their identity policy.
func RepositoryPolicy(pullRoles, pushRoles []string) policydoc.Document {
	var statements []policydoc.Statement
	if len(pullRoles) > 0 {
		statements = append(statements, policydoc.Statement{
			Sid: "AllowPull", Effect: policydoc.Allow, Principal: policydoc.AWS(pullRoles...), Action: PullActions,
		})
	}
	if len(pushRoles) > 0 {
		statements = append(statements, policydoc.Statement{
			Sid: "AllowPush", Effect: policydoc.Allow, Principal: policydoc.AWS(pushRoles...), Action: append(slices.Clone(PullActions), PushActions...),
		})
	}
	var pushers any = pushRoles
	if len(pushRoles) == 0 {
		pushers = "" // no principal may push
	}
	statements = append(statements, policydoc.Statement{
		Sid: "DenyPushByOthers", Effect: policydoc.Deny, Principal: policydoc.Anyone, Action: PushActions,
		Condition: policydoc.Conditions{"StringNotEquals": {"aws:PrincipalArn": pushers}},
	})
	return policydoc.New(statements...)
}
