// Package statebackend owns the Pulumi state backend of an account: the S3
// bucket every stack's state lives in (versioned, KMS-encrypted, private,
// TLS-only, access-logged, kept a year of history and replicated to the DR
// region) and the KMS key the stacks use as their secrets provider, with
// a multi-Region replica so that secrets stay decryptable in the DR region.
//
// It is the one thing applied by hand, once per account, before the
// stacks: the bootstrap program (bootstrap/main.go, runbook
// docs/runbooks/bootstrap.md) runs Program, which reads that project's
// config, creates its two providers and calls NewBackend. Pulumi's S3
// backend locks a stack with its own lock objects in the bucket
// (.pulumi/locks/...), so no lock table is created.
package statebackend

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	platformkms "platform/components/kms"
	"platform/components/storage"
	"platform/internal/naming"
)

// Key purposes: they name the keys' aliases and the buckets.
const (
	// SecretsPurpose is the secrets provider's key. It is not the state
	// bucket's key: whoever may read state (an auditor, a preview) does not
	// thereby decrypt the secrets in it.
	SecretsPurpose platformkms.Purpose = "pulumi-secrets"
	// StatePurpose is the key of the state buckets' default encryption.
	StatePurpose platformkms.Purpose = "pulumi-state"
)

// Defaults and floors.
const (
	// DefaultStateHistoryDays keeps every superseded state version a year:
	// the history is the evidence of what each deployment changed (PCI
	// 10.5.1 keeps audit history twelve months). It is also the floor.
	DefaultStateHistoryDays = 365
	// DefaultAccessLogExpirationDays keeps the buckets' access logs a year
	// and a month, like the platform's own access-log buckets.
	DefaultAccessLogExpirationDays = 400
	// minAccessLogDays is the floor of the access logs' retention.
	minAccessLogDays = 365
	// neverArchiveDays is when current state objects would move to Glacier
	// Flexible Retrieval: in practice never. The CLI reads a stack's
	// checkpoint (and .pulumi/meta.yaml) in place on every command, which
	// an archived object would fail, and storage.Lifecycle always adds a
	// Glacier transition; S3 lifecycle rules have no "never".
	neverArchiveDays = 36500
)

// BackendArgs configure the state backend of one account.
type BackendArgs struct {
	// Namer names everything in the home region (the provider passed in
	// opts); the DR side is named by Namer.InRegion(DRRegion). Its region
	// and account go into the key policies and the backend URL.
	Namer naming.Namer
	// DRRegion holds the state replica and the secrets key's replica.
	DRRegion string
	// DRProvider is the AWS provider of DRRegion. The backend spans two
	// regions, so it takes the second provider here; the home region's
	// comes through opts like every component's.
	DRProvider pulumi.ProviderResource
	// DeletionWindowDays is the keys' wait before a scheduled deletion;
	// default 30, the AWS maximum.
	DeletionWindowDays int
	// StateHistoryDays is how long a superseded state version is kept;
	// default and minimum 365.
	StateHistoryDays int
	// AccessLogExpirationDays is how long the buckets' access logs are
	// kept; default 400, minimum 365.
	AccessLogExpirationDays int
	// Protect turns on pulumi.Protect for the keys and buckets. They are
	// always retained on delete: losing them loses every stack's state.
	Protect bool
}

func (a BackendArgs) withDefaults() BackendArgs {
	if a.DeletionWindowDays == 0 {
		a.DeletionWindowDays = platformkms.DefaultDeletionWindowDays
	}
	if a.StateHistoryDays == 0 {
		a.StateHistoryDays = DefaultStateHistoryDays
	}
	if a.AccessLogExpirationDays == 0 {
		a.AccessLogExpirationDays = DefaultAccessLogExpirationDays
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a BackendArgs) Validate() error {
	var errs []error
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		errs = append(errs, errors.New("namer: account id and region are required for the key policies and the backend URL"))
	}
	if a.DRProvider == nil {
		errs = append(errs, errors.New("drProvider: is required: the state replica and the secrets key's replica live in the DR region"))
	}
	errs = append(errs, a.settingErrors()...)
	return errors.Join(errs...)
}

// settingErrors are the problems of the plain settings, which the
// bootstrap config carries under the same names.
func (a BackendArgs) settingErrors() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.DRRegion == "" || a.DRRegion == a.Namer.Region {
		add("drRegion: must be another region than %q (the state is replicated there), got %q", a.Namer.Region, a.DRRegion)
	}
	if a.DeletionWindowDays < 7 || a.DeletionWindowDays > 30 {
		add("deletionWindowDays: must be between 7 and 30, got %d", a.DeletionWindowDays)
	}
	if a.StateHistoryDays < DefaultStateHistoryDays {
		add("stateHistoryDays: must be at least %d (state history is the evidence of every deployment), got %d", DefaultStateHistoryDays, a.StateHistoryDays)
	}
	if a.AccessLogExpirationDays < minAccessLogDays {
		add("accessLogExpirationDays: must be at least %d, got %d", minAccessLogDays, a.AccessLogExpirationDays)
	}
	return errs
}

// Backend is an account's Pulumi state backend.
type Backend struct {
	pulumi.ResourceState

	// BackendURL is what `pulumi login` and PULUMI_BACKEND_URL take:
	// s3://<bucket>?region=<region>&awssdk=v2.
	BackendURL pulumi.StringOutput
	// DRBackendURL is the replica's URL, for a recovery in the DR region.
	DRBackendURL pulumi.StringOutput
	// SecretsProvider is what `pulumi stack init --secrets-provider`
	// takes: awskms://<alias>?region=<region>.
	SecretsProvider pulumi.StringOutput
	// DRSecretsProvider names the replica key by its DR-region alias: the
	// dr stack's secrets provider, so it never needs the home region.
	DRSecretsProvider pulumi.StringOutput
	// StateBucket and ReplicaBucket are the state buckets' names.
	StateBucket, ReplicaBucket pulumi.StringOutput
	// AccessLogBucket and DRAccessLogBucket receive their access logs.
	AccessLogBucket, DRAccessLogBucket pulumi.StringOutput
	// SecretsKeyArn and SecretsReplicaKeyArn are the secrets provider's
	// multi-Region key and its replica.
	SecretsKeyArn, SecretsReplicaKeyArn pulumi.StringOutput
	// StateKeyArn and StateReplicaKeyArn encrypt the state and its replica.
	StateKeyArn, StateReplicaKeyArn pulumi.StringOutput
}

// Outputs are the backend's outputs under the names the bootstrap stack
// exports.
func (b *Backend) Outputs() pulumi.Map {
	return pulumi.Map{
		"backendUrl":           b.BackendURL,
		"drBackendUrl":         b.DRBackendURL,
		"secretsProvider":      b.SecretsProvider,
		"drSecretsProvider":    b.DRSecretsProvider,
		"stateBucket":          b.StateBucket,
		"replicaBucket":        b.ReplicaBucket,
		"accessLogBucket":      b.AccessLogBucket,
		"drAccessLogBucket":    b.DRAccessLogBucket,
		"secretsKeyArn":        b.SecretsKeyArn,
		"secretsReplicaKeyArn": b.SecretsReplicaKeyArn,
		"stateKeyArn":          b.StateKeyArn,
		"stateReplicaKeyArn":   b.StateReplicaKeyArn,
	}
}

// NewBackend creates the secrets key and its DR replica, the state keys,
// the state bucket replicated to the DR region, and both regions' access
// log buckets.
func NewBackend(ctx *pulumi.Context, name string, args *BackendArgs, opts ...pulumi.ResourceOption) (*Backend, error) {
	if args == nil {
		args = &BackendArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("statebackend %s: %w", name, err)
	}
	b := &Backend{}
	inputs := pulumi.Map{
		"drRegion":                pulumi.String(a.DRRegion),
		"deletionWindowDays":      pulumi.Int(a.DeletionWindowDays),
		"stateHistoryDays":        pulumi.Int(a.StateHistoryDays),
		"accessLogExpirationDays": pulumi.Int(a.AccessLogExpirationDays),
		"protect":                 pulumi.Bool(a.Protect),
	}
	if err := ctx.RegisterComponentResourceV2("platform:statebackend:Backend", name, inputs, b, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, b); err != nil {
		return nil, fmt.Errorf("statebackend %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(b, b.Outputs()); err != nil {
		return nil, err
	}
	return b, nil
}

func build(ctx *pulumi.Context, name string, a BackendArgs, b *Backend) error {
	parent := pulumi.Parent(b)
	dr := pulumi.Provider(a.DRProvider)
	n, drNamer := a.Namer, a.Namer.InRegion(a.DRRegion)
	keep := []pulumi.ResourceOption{parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true)}

	// The secrets provider's key is multi-Region: its replica shares the
	// key material and key id, so what the primary encrypted (each stack's
	// data key, in its stack file and state) decrypts in the DR region
	// without the home region. Rotation is the primary's and applies to
	// the replica; key policies, aliases and deletion windows are each
	// key's own.
	secretsKey, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:           pulumi.Sprintf("Pulumi secrets provider of the platform's stacks (%s, %s)", n.Environment, n.Region),
		KeyUsage:              pulumi.String("ENCRYPT_DECRYPT"),
		CustomerMasterKeySpec: pulumi.String("SYMMETRIC_DEFAULT"),
		MultiRegion:           pulumi.Bool(true),
		EnableKeyRotation:     pulumi.Bool(true), // CIS 3.6, FSBP KMS.4
		RotationPeriodInDays:  pulumi.Int(365),
		DeletionWindowInDays:  pulumi.Int(a.DeletionWindowDays),
		Policy:                pulumi.String(platformkms.KeyPolicy(n, SecretsPurpose).JSON()),
	}, keep...)
	if err != nil {
		return err
	}
	secretsAlias, err := kms.NewAlias(ctx, name+"-secrets", &kms.AliasArgs{
		Name:        pulumi.String(n.Name(naming.KMSAlias, string(SecretsPurpose))),
		TargetKeyId: secretsKey.KeyId,
	}, parent)
	if err != nil {
		return err
	}
	secretsReplica, err := kms.NewReplicaKey(ctx, name+"-secrets-replica", &kms.ReplicaKeyArgs{
		Description:          pulumi.Sprintf("Pulumi secrets provider of the platform's stacks (%s, replica in %s)", n.Environment, a.DRRegion),
		PrimaryKeyArn:        secretsKey.Arn,
		DeletionWindowInDays: pulumi.Int(a.DeletionWindowDays),
		Policy:               pulumi.String(platformkms.KeyPolicy(drNamer, SecretsPurpose).JSON()),
	}, append(keep, dr)...)
	if err != nil {
		return err
	}
	// Aliases are regional: the replica has its own, in the DR region.
	// The target is the replica's ARN, which CreateAlias accepts as well
	// as a key id.
	secretsReplicaAlias, err := kms.NewAlias(ctx, name+"-secrets-replica", &kms.AliasArgs{
		Name:        pulumi.String(drNamer.Name(naming.KMSAlias, string(SecretsPurpose))),
		TargetKeyId: secretsReplica.Arn,
	}, parent, dr)
	if err != nil {
		return err
	}

	// The state buckets' keys. S3 replication re-encrypts each replica
	// under the destination's key, so two single-region keys suffice.
	stateKeys, err := platformkms.NewKeys(ctx, name+"-kms", &platformkms.KeysArgs{
		Namer: n, Purposes: []platformkms.Purpose{StatePurpose}, DeletionWindowDays: a.DeletionWindowDays, Protect: a.Protect,
	}, parent)
	if err != nil {
		return err
	}
	replicaKeys, err := platformkms.NewKeys(ctx, name+"-kms-replica", &platformkms.KeysArgs{
		Namer: drNamer, Purposes: []platformkms.Purpose{StatePurpose}, AliasSuffix: "replica",
		DeletionWindowDays: a.DeletionWindowDays, Protect: a.Protect,
	}, parent, dr)
	if err != nil {
		return err
	}

	// Current state objects stay instantly readable (Standard, then
	// Standard-IA); superseded versions are kept StateHistoryDays.
	stateLifecycle := storage.Lifecycle{
		TransitionToIADays:              storage.DefaultTransitionToIADays,
		TransitionToGlacierDays:         neverArchiveDays,
		NoncurrentVersionExpirationDays: a.StateHistoryDays,
	}
	logLifecycle := storage.Lifecycle{ExpirationDays: a.AccessLogExpirationDays}

	// The DR side first: replication needs its bucket to exist.
	drLogs, err := storage.NewBucket(ctx, name+"-replica-access-logs", &storage.BucketArgs{
		Namer: drNamer, Purpose: "state-access-logs", AccessLogTarget: true, Lifecycle: logLifecycle, Protect: a.Protect,
	}, parent, dr)
	if err != nil {
		return err
	}
	replica, err := storage.NewBucket(ctx, name+"-state-replica", &storage.BucketArgs{
		Namer: drNamer, Purpose: "pulumi-state-replica", KmsKeyArn: replicaKeys.Arn(StatePurpose),
		AccessLogBucket: drLogs.BucketName, Lifecycle: stateLifecycle, Protect: a.Protect,
	}, parent, dr)
	if err != nil {
		return err
	}
	logs, err := storage.NewBucket(ctx, name+"-access-logs", &storage.BucketArgs{
		Namer: n, Purpose: "state-access-logs", AccessLogTarget: true, Lifecycle: logLifecycle, Protect: a.Protect,
	}, parent)
	if err != nil {
		return err
	}
	state, err := storage.NewBucket(ctx, name+"-state", &storage.BucketArgs{
		Namer: n, Purpose: "pulumi-state", KmsKeyArn: stateKeys.Arn(StatePurpose),
		AccessLogBucket: logs.BucketName, Lifecycle: stateLifecycle, Protect: a.Protect,
		Replication: &storage.Replication{
			Destination: replica, DestinationKmsKeyArn: replicaKeys.Arn(StatePurpose), DestinationRegion: a.DRRegion,
		},
	}, parent)
	if err != nil {
		return err
	}

	b.BackendURL = pulumi.Sprintf("s3://%s?region=%s&awssdk=v2", state.BucketName, n.Region)
	b.DRBackendURL = pulumi.Sprintf("s3://%s?region=%s&awssdk=v2", replica.BucketName, a.DRRegion)
	b.SecretsProvider = pulumi.Sprintf("awskms://%s?region=%s", secretsAlias.Name, n.Region)
	b.DRSecretsProvider = pulumi.Sprintf("awskms://%s?region=%s", secretsReplicaAlias.Name, a.DRRegion)
	b.StateBucket, b.ReplicaBucket = state.BucketName, replica.BucketName
	b.AccessLogBucket, b.DRAccessLogBucket = logs.BucketName, drLogs.BucketName
	b.SecretsKeyArn, b.SecretsReplicaKeyArn = secretsKey.Arn, secretsReplica.Arn
	b.StateKeyArn, b.StateReplicaKeyArn = stateKeys.Arn(StatePurpose), replicaKeys.Arn(StatePurpose)
	return nil
}

// The bootstrap program. The bootstrap has no stacks/ package: this is
// its composition, the one place of this package that reads config.

// NamePrefix is the project part of the backend's physical names: the
// backend belongs to the platform's stacks, whichever project applies it
// (platform-prod-use1-pulumi-state-<account>).
const NamePrefix = "platform"

// BootstrapConfig is the bootstrap stack's config (bootstrap/Pulumi.yaml
// declares each key, in the project's namespace).
type BootstrapConfig struct {
	Region    string `json:"region"`
	AccountID string `json:"accountId"`
	DRRegion  string `json:"drRegion"`
	// Protect is nil when unset (true).
	Protect                 *bool `json:"protect"`
	Tags                    Tags  `json:"tags"`
	DeletionWindowDays      int   `json:"deletionWindowDays"`
	StateHistoryDays        int   `json:"stateHistoryDays"`
	AccessLogExpirationDays int   `json:"accessLogExpirationDays"`
}

// Tags are the required tag values, as in the platform's stacks.
type Tags struct {
	Environment        string `json:"environment"`
	Owner              string `json:"owner"`
	CostCenter         string `json:"costCenter"`
	DataClassification string `json:"dataClassification"`
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// classifications are the values of the data-classification tag.
	classifications = []string{"public", "internal", "confidential", "restricted"}
	// bootstrapKeys are the config keys Program reads.
	bootstrapKeys = []string{"region", "accountId", "drRegion", "protect", "tags", "deletionWindowDays", "stateHistoryDays", "accessLogExpirationDays"}
)

// ParseBootstrapConfig decodes raw config values (strings, objects as
// JSON, as the CLI passes them), applies the defaults and reports every
// problem with its key path. It is pure.
func ParseBootstrapConfig(raw map[string]string) (BootstrapConfig, error) {
	var c BootstrapConfig
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c.Region, c.AccountID, c.DRRegion = strings.TrimSpace(raw["region"]), strings.TrimSpace(raw["accountId"]), strings.TrimSpace(raw["drRegion"])
	if v, ok := raw["protect"]; ok && v != "" {
		p, err := strconv.ParseBool(v)
		if err != nil {
			add("protect: must be true or false, got %q", v)
		}
		c.Protect = &p
	}
	if v, ok := raw["tags"]; ok {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.Tags); err != nil {
			add("tags: must be an object of environment, owner, costCenter and dataClassification: %v", err)
		}
	}
	for _, f := range []struct {
		key string
		dst *int
	}{
		{"deletionWindowDays", &c.DeletionWindowDays}, {"stateHistoryDays", &c.StateHistoryDays}, {"accessLogExpirationDays", &c.AccessLogExpirationDays},
	} {
		if v, ok := raw[f.key]; ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				add("%s: must be an integer, got %q", f.key, v)
			}
			*f.dst = n
		}
	}
	if len(errs) == 0 {
		errs = c.validate()
	}
	if len(errs) > 0 {
		return BootstrapConfig{}, errors.Join(errs...)
	}
	return c, nil
}

func (c BootstrapConfig) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !regionPattern.MatchString(c.Region) {
		add("region: must be an AWS region such as us-east-1, got %q", c.Region)
	}
	if !accountPattern.MatchString(c.AccountID) {
		add("accountId: must be the 12-digit AWS account id, got %q", c.AccountID)
	}
	if c.DRRegion != "" && !regionPattern.MatchString(c.DRRegion) {
		add("drRegion: must be an AWS region such as us-west-2, got %q", c.DRRegion)
	}
	for _, f := range []struct{ path, value string }{
		{"tags.environment", c.Tags.Environment}, {"tags.owner", c.Tags.Owner},
		{"tags.costCenter", c.Tags.CostCenter}, {"tags.dataClassification", c.Tags.DataClassification},
	} {
		if f.value == "" {
			add("%s: is required (every resource carries it)", f.path)
		} else if !naming.ValidTagValue(f.value) {
			add("%s: %q is not a valid AWS tag value", f.path, f.value)
		}
	}
	if c.Tags.DataClassification != "" && !contains(classifications, c.Tags.DataClassification) {
		add("tags.dataClassification: must be one of %s, got %q", strings.Join(classifications, ", "), c.Tags.DataClassification)
	}
	if c.Tags.Environment == "production" && !c.protect() {
		add("protect: must be true when tags.environment is production: the state backend must never be deletable by a pulumi up")
	}
	return append(errs, c.args(nil).withDefaults().settingErrors()...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (c BootstrapConfig) protect() bool { return c.Protect == nil || *c.Protect }

// args are the backend's args for this config and DR provider.
func (c BootstrapConfig) args(dr pulumi.ProviderResource) *BackendArgs {
	return &BackendArgs{
		Namer:                   naming.Namer{Project: NamePrefix, Environment: c.Tags.Environment, Region: c.Region, AccountID: c.AccountID},
		DRRegion:                c.DRRegion,
		DRProvider:              dr,
		DeletionWindowDays:      c.DeletionWindowDays,
		StateHistoryDays:        c.StateHistoryDays,
		AccessLogExpirationDays: c.AccessLogExpirationDays,
		Protect:                 c.protect(),
	}
}

// DefaultTags are the tags the bootstrap's providers put on everything.
func (c BootstrapConfig) DefaultTags(project, stack string) map[string]string {
	return map[string]string{
		naming.TagEnvironment:        c.Tags.Environment,
		naming.TagOwner:              c.Tags.Owner,
		naming.TagCostCenter:         c.Tags.CostCenter,
		naming.TagDataClassification: c.Tags.DataClassification,
		naming.TagManagedBy:          "pulumi",
		naming.TagStack:              stack,
		naming.TagProject:            project,
	}
}

// Program is the bootstrap program: it loads and validates the stack's
// config (nothing is registered on bad config), creates one provider per
// region that may touch only the configured account, creates the backend
// and returns its outputs for export.
func Program(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg := pconfig.New(ctx, "")
	raw := map[string]string{}
	for _, k := range bootstrapKeys {
		if v, err := cfg.Try(k); err == nil {
			raw[k] = v
		}
	}
	c, err := ParseBootstrapConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid stack config (Pulumi.%s.yaml, namespace %s:):\n%w", ctx.Stack(), ctx.Project(), err)
	}
	tags := pulumi.ToStringMap(c.DefaultTags(ctx.Project(), ctx.Stack()))
	provider := func(region string) (*aws.Provider, error) {
		return aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
			Region:            pulumi.String(region),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(c.AccountID)},
			DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: tags},
		})
	}
	home, err := provider(c.Region)
	if err != nil {
		return nil, err
	}
	dr, err := provider(c.DRRegion)
	if err != nil {
		return nil, err
	}
	b, err := NewBackend(ctx, "pulumi", c.args(dr), pulumi.Provider(home))
	if err != nil {
		return nil, err
	}
	return b.Outputs(), nil
}
