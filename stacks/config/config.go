// Package config owns the typed stack configuration: the `platform:`
// namespace of Pulumi.<stack>.yaml. It is read once, defaulted, and
// validated by a pure function before any resource is registered.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Namespace is the config namespace of the platform's keys.
const Namespace = "platform"

// Roles a stack can play.
const (
	RolePrimary = "primary"
	RoleDR      = "dr"
)

// NAT modes: one NAT gateway per AZ, or one for the VPC (non-production).
const (
	NatPerAZ  = "perAz"
	NatSingle = "single"
)

// ProductionEnvironment is the environment tag value that turns on the
// production-only rules (protection, NAT per AZ, 30-day key deletion).
const ProductionEnvironment = "production"

// StackConfig is the whole typed configuration of one stack.
type StackConfig struct {
	// Role is "primary" (production, us-east-1) or "dr" (us-west-2).
	Role string `json:"role"`
	// Region is the AWS region of the stack's own provider.
	Region string `json:"region"`
	// AccountID is the only account the providers may touch
	// (allowedAccountIds), and is used in ARNs and key policies.
	AccountID string `json:"accountId"`
	// DRRegion is where the primary stack replicates data. Required for
	// the primary role.
	DRRegion string `json:"drRegion"`
	// PrimaryStack is the fully qualified name (org/project/stack) of the
	// stack the dr stack reads through a StackReference.
	PrimaryStack string `json:"primaryStack"`
	// Protect turns on pulumi.Protect for stateful resources. Unset means
	// on: only an explicit false turns it off, and never in production.
	Protect *bool `json:"protect"`
	// Tags are the required tags; the providers apply them to everything.
	Tags Tags `json:"tags"`
	// Network shapes the VPC.
	Network Network `json:"network"`
	// KMS shapes the customer-managed keys.
	KMS KMS `json:"kms"`
	// Storage shapes the S3 buckets.
	Storage Storage `json:"storage"`
	// Database shapes RDS PostgreSQL (both roles).
	Database Database `json:"database"`
	// Cache shapes ElastiCache Redis (both roles).
	Cache Cache `json:"cache"`
	// Backup shapes the AWS Backup vaults.
	Backup Backup `json:"backup"`
	// DR shapes the dr stack's data path and its failover.
	DR DR `json:"dr"`
	// Secrets are the application secrets (values are set outside Pulumi).
	Secrets []Secret `json:"secrets"`
	// Audit shapes the audit and detection baseline.
	Audit Audit `json:"audit"`
	// Edge shapes the WAF and the API's DNS.
	Edge Edge `json:"edge"`
	// Identity shapes the account's human and CI roles (primary role only:
	// IAM is global).
	Identity Identity `json:"identity"`
	// Cluster shapes the EKS cluster (both roles; the dr stack's is a warm
	// standby).
	Cluster Cluster `json:"cluster"`
	// Baseline shapes the cluster's namespaces and admission control.
	Baseline Baseline `json:"baseline"`
	// Monitoring shapes Prometheus, Alertmanager, Grafana and the SLOs.
	Monitoring Monitoring `json:"monitoring"`
	// Logging shapes Fluent Bit, Loki, the audit stream and OpenSearch.
	Logging Logging `json:"logging"`
	// Tracing shapes the OpenTelemetry Collector, Tempo and X-Ray.
	Tracing Tracing `json:"tracing"`
	// Synthetics are the canaries and anomaly-detection alarms.
	Synthetics Synthetics `json:"synthetics"`
	// Chaos are the FIS experiment templates.
	Chaos Chaos `json:"chaos"`
	// Services are the application services and their platform contract.
	Services []Service `json:"services"`
	// Delivery shapes Argo CD, Argo Rollouts and KEDA.
	Delivery Delivery `json:"delivery"`
	// Cost holds the budget and the account's cost controls.
	Cost Cost `json:"cost"`
}

// Audit is platform:audit. Unset switches follow the role: the primary
// stack owns the trail and global recording; both run the regional
// detectors.
type Audit struct {
	Trail                      *bool  `json:"trail"`
	OrganizationTrail          bool   `json:"organizationTrail"`
	AccountBaseline            *bool  `json:"accountBaseline"`
	RecordGlobalResources      *bool  `json:"recordGlobalResources"`
	LogRetentionDays           int    `json:"logRetentionDays"`
	FindingPublishingFrequency string `json:"findingPublishingFrequency"`
}

// Edge is platform:edge.
type Edge struct {
	// RateLimit per IP per 5 minutes; unset means 2000.
	RateLimit        *int     `json:"rateLimit"`
	AnonymousIPList  *bool    `json:"anonymousIpList"`
	BlockedCountries []string `json:"blockedCountries"`
	LoadBalancerArn  string   `json:"loadBalancerArn"`
	// Domain of the API; ZoneName creates the zone (primary), the dr stack
	// uses the primary's zone.
	Domain          string `json:"domain"`
	ZoneName        string `json:"zoneName"`
	HealthCheckPath string `json:"healthCheckPath"`
}

// Identity is platform:identity.
type Identity struct {
	PasswordPolicy         *bool    `json:"passwordPolicy"`
	MaxPasswordAgeDays     int      `json:"maxPasswordAgeDays"`
	AdminPrincipals        []string `json:"adminPrincipals"`
	AuditorPrincipals      []string `json:"auditorPrincipals"`
	BreakGlassPrincipals   []string `json:"breakGlassPrincipals"`
	MaxSessionSeconds      int      `json:"maxSessionSeconds"`
	GitHub                 GitHub   `json:"github"`
	ServiceControlPolicies bool     `json:"serviceControlPolicies"`
	OrganizationTarget     string   `json:"organizationTarget"`
	AllowedRegions         []string `json:"allowedRegions"`
}

// GitHub names the repository and branch CI deploys from.
type GitHub struct {
	Repository string `json:"repository"`
	Branch     string `json:"branch"`
	// StateBucket and StateKeyAliases are the state backend's
	// (bootstrap/): what the pull requests' read-only preview role reads
	// and decrypts with.
	StateBucket     string   `json:"stateBucket"`
	StateKeyAliases []string `json:"stateKeyAliases"`
}

// Database is platform:database.
type Database struct {
	// EngineVersion is the pinned PostgreSQL version ("16.4").
	EngineVersion string `json:"engineVersion"`
	// InstanceClass defaults to a Graviton memory-optimised class.
	InstanceClass         string `json:"instanceClass"`
	AllocatedStorageGb    int    `json:"allocatedStorageGb"`
	MaxAllocatedStorageGb int    `json:"maxAllocatedStorageGb"`
	// BackupRetentionDays: at least 14 in production.
	BackupRetentionDays       int `json:"backupRetentionDays"`
	LogMinDurationStatementMs int `json:"logMinDurationStatementMs"`
	// ReadReplicas in the primary region (the dr stack has none).
	ReadReplicas *int `json:"readReplicas"`
	// ReadReplicaMultiAz gives each in-region read replica a standby of
	// its own. Default false: a replica serves reads, the Multi-AZ primary
	// carries availability, and a lost replica is rebuilt from it; a
	// standby would double the replica's instance and storage cost.
	ReadReplicaMultiAz *bool `json:"readReplicaMultiAz"`
	// ReplicaLagAlarmSeconds pages before lag nears the 15-minute RPO.
	ReplicaLagAlarmSeconds int `json:"replicaLagAlarmSeconds"`
}

// Cache is platform:cache.
type Cache struct {
	// EngineVersion is the pinned Redis version ("7.1").
	EngineVersion string `json:"engineVersion"`
	NodeType      string `json:"nodeType"`
	// Replicas per shard; at least 1 for Multi-AZ failover.
	Replicas int `json:"replicas"`
	// SnapshotRetentionDays: at least 7 in production.
	SnapshotRetentionDays int `json:"snapshotRetentionDays"`
}

// Backup is platform:backup.
type Backup struct {
	// VaultLock is governance or compliance; required in production.
	VaultLock        string `json:"vaultLock"`
	MinRetentionDays int    `json:"minRetentionDays"`
	MaxRetentionDays int    `json:"maxRetentionDays"`
}

// DR is platform:dr.
type DR struct {
	// Promote turns the dr stack's replica into a standalone Multi-AZ
	// primary: the failover switch.
	Promote bool `json:"promote"`
	// InstanceClass of the DR database; defaults to database.instanceClass.
	InstanceClass string `json:"instanceClass"`
	// ReplicaMultiAz gives the cross-region replica a standby while it is a
	// replica. Default false (warm standby at half the instance cost):
	// promotion turns Multi-AZ on whatever this says, so the promoted
	// primary is as available as production's.
	ReplicaMultiAz *bool `json:"replicaMultiAz"`
	// CacheNodeType and CacheReplicas size the warm-standby cache.
	CacheNodeType string `json:"cacheNodeType"`
	CacheReplicas int    `json:"cacheReplicas"`
}

// Secret is one entry of platform:secrets.
type Secret struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	ReaderRoleArns    []string `json:"readerRoleArns"`
	RotationLambdaArn string   `json:"rotationLambdaArn"`
	RotationRoleArn   string   `json:"rotationRoleArn"`
	RotationDays      int      `json:"rotationDays"`
	// ReplicateToDR keeps a replica in the DR region for the dr stack.
	ReplicateToDR bool `json:"replicateToDr"`
}

// Tags are the required tag values (platform:tags).
type Tags struct {
	Environment        string `json:"environment"`
	Owner              string `json:"owner"`
	CostCenter         string `json:"costCenter"`
	DataClassification string `json:"dataClassification"`
}

// Network is platform:network.
type Network struct {
	// AZs are explicit so that planning needs no invoke. The subnet plan
	// keys on the AZ letter, so order does not matter.
	AZs []string `json:"azs"`
	// VpcCidr is the VPC's IPv4 block, /16 to /20, in RFC 1918 space.
	VpcCidr string `json:"vpcCidr"`
	// NatMode is perAz (default) or single (non-production only).
	NatMode string `json:"natMode"`
	// FlowLogRetentionDays is the flow log group's retention.
	FlowLogRetentionDays int `json:"flowLogRetentionDays"`
}

// KMS is platform:kms.
type KMS struct {
	// DeletionWindowDays is the waiting period before a key is deleted.
	DeletionWindowDays int `json:"deletionWindowDays"`
}

// Storage is platform:storage.
type Storage struct {
	// ObjectLockRetentionDays is the governance-mode default retention of
	// the audit bucket.
	ObjectLockRetentionDays int `json:"objectLockRetentionDays"`
	// TransitionToIADays moves current objects to Standard-IA.
	TransitionToIADays int `json:"transitionToIaDays"`
	// TransitionToGlacierDays moves current objects to Glacier Flexible
	// Retrieval.
	TransitionToGlacierDays int `json:"transitionToGlacierDays"`
	// NoncurrentVersionExpirationDays expires old object versions.
	NoncurrentVersionExpirationDays int `json:"noncurrentVersionExpirationDays"`
	// AccessLogExpirationDays expires S3 server access logs.
	AccessLogExpirationDays int `json:"accessLogExpirationDays"`
}

// Defaults, each chosen to be safe for production.
const (
	// DefaultFlowLogRetentionDays keeps a year of flow logs (PCI 10.5.1).
	DefaultFlowLogRetentionDays = 365
	// DefaultKMSDeletionWindowDays is the AWS maximum: the longest window
	// to notice and cancel a mistaken key deletion.
	DefaultKMSDeletionWindowDays = 30
	// DefaultObjectLockRetentionDays keeps audit objects undeletable for a
	// year.
	DefaultObjectLockRetentionDays = 365
	// DefaultTransitionToIADays is the S3 minimum for Standard-IA.
	DefaultTransitionToIADays = 30
	// DefaultTransitionToGlacierDays archives after a quarter.
	DefaultTransitionToGlacierDays = 90
	// DefaultNoncurrentVersionExpirationDays keeps old versions a year,
	// as long as the audit bucket's lock.
	DefaultNoncurrentVersionExpirationDays = 365
	// DefaultAccessLogExpirationDays keeps access logs a year and a month.
	DefaultAccessLogExpirationDays = 400
	// DefaultInstanceClass is Graviton, memory-optimised.
	DefaultInstanceClass = "db.r6g.xlarge"
	// DefaultBackupRetentionDays is the production minimum.
	DefaultBackupRetentionDays = 14
	// DefaultReadReplicas gives one in-region read replica.
	DefaultReadReplicas = 1
	// DefaultNodeType is Graviton, memory-optimised.
	DefaultNodeType = "cache.r6g.large"
	// DefaultSnapshotRetentionDays is the production minimum.
	DefaultSnapshotRetentionDays = 7
	// DefaultVaultMinRetentionDays and DefaultVaultMaxRetentionDays bound
	// the locked vault around the plan's 35-day to 12-month rules.
	DefaultVaultMinRetentionDays = 7
	DefaultVaultMaxRetentionDays = 400
)

// keys are the top-level keys of the namespace, in the order the reference
// documents them. Load reads exactly these.
var keys = []string{"role", "region", "accountId", "drRegion", "primaryStack", "protect", "tags", "network", "kms", "storage", "database", "cache", "backup", "dr", "secrets", "audit", "edge", "identity", "cluster", "baseline", "monitoring", "logging", "tracing", "synthetics", "chaos", "services", "delivery", "cost"}

// Keys returns the top-level keys the platform reads, without namespace.
func Keys() []string { return append([]string(nil), keys...) }

// Load reads the platform namespace from the Pulumi context, applies the
// defaults and validates. The error lists every problem.
func Load(ctx *pulumi.Context) (StackConfig, error) {
	cfg := pconfig.New(ctx, Namespace)
	raw := map[string]string{}
	for _, k := range keys {
		if v, ok := lookup(cfg, k); ok {
			raw[k] = v
		}
	}
	return Parse(raw)
}

func lookup(cfg *pconfig.Config, key string) (string, bool) {
	v, err := cfg.Try(key)
	return v, err == nil
}

// Parse decodes raw config values (as the Pulumi CLI passes them: strings,
// with objects and arrays as JSON), applies defaults and validates. It is
// pure, so the validation table tests need no Pulumi runtime.
func Parse(raw map[string]string) (StackConfig, error) {
	var c StackConfig
	var errs []error
	str := func(key string, dst *string) {
		if v, ok := raw[key]; ok {
			*dst = strings.TrimSpace(v)
		}
	}
	obj := func(key string, dst any) {
		v, ok := raw[key]
		if !ok {
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(v)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst); err != nil {
			errs = append(errs, fieldErr(key, "must be an object with the documented fields: %s", jsonProblem(err)))
		}
	}
	str("role", &c.Role)
	str("region", &c.Region)
	str("accountId", &c.AccountID)
	str("drRegion", &c.DRRegion)
	str("primaryStack", &c.PrimaryStack)
	if v, ok := raw["protect"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fieldErr("protect", "must be true or false, got %q", v))
		} else {
			c.Protect = &b
		}
	}
	for k := range raw {
		if !contains(keys, k) {
			errs = append(errs, fieldErr(k, "unknown key %s:%s; the keys are %s", Namespace, k, strings.Join(keys, ", ")))
		}
	}
	obj("tags", &c.Tags)
	obj("network", &c.Network)
	obj("kms", &c.KMS)
	obj("storage", &c.Storage)
	obj("database", &c.Database)
	obj("cache", &c.Cache)
	obj("backup", &c.Backup)
	obj("dr", &c.DR)
	obj("secrets", &c.Secrets)
	obj("audit", &c.Audit)
	obj("edge", &c.Edge)
	obj("identity", &c.Identity)
	obj("cluster", &c.Cluster)
	obj("baseline", &c.Baseline)
	obj("monitoring", &c.Monitoring)
	obj("logging", &c.Logging)
	obj("tracing", &c.Tracing)
	obj("synthetics", &c.Synthetics)
	obj("chaos", &c.Chaos)
	obj("services", &c.Services)
	obj("delivery", &c.Delivery)
	obj("cost", &c.Cost)
	if len(errs) > 0 {
		sortErrors(errs)
		return c, errors.Join(errs...)
	}
	c = c.WithDefaults()
	return c, c.Validate()
}

// jsonProblem turns a decoder error into a short phrase naming the field.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("field %s must be %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// WithDefaults returns a copy with every unset field given its default.
func (c StackConfig) WithDefaults() StackConfig {
	if c.Protect == nil {
		on := true // stateful resources are protected unless explicitly not
		c.Protect = &on
	}
	if c.Network.NatMode == "" {
		c.Network.NatMode = NatPerAZ // an AZ failure must not cut egress
	}
	c.Network.AZs = append([]string(nil), c.Network.AZs...)
	setDefault(&c.Network.FlowLogRetentionDays, DefaultFlowLogRetentionDays)
	setDefault(&c.KMS.DeletionWindowDays, DefaultKMSDeletionWindowDays)
	setDefault(&c.Storage.ObjectLockRetentionDays, DefaultObjectLockRetentionDays)
	setDefault(&c.Storage.TransitionToIADays, DefaultTransitionToIADays)
	setDefault(&c.Storage.TransitionToGlacierDays, DefaultTransitionToGlacierDays)
	setDefault(&c.Storage.NoncurrentVersionExpirationDays, DefaultNoncurrentVersionExpirationDays)
	setDefault(&c.Storage.AccessLogExpirationDays, DefaultAccessLogExpirationDays)
	if c.Database.InstanceClass == "" {
		c.Database.InstanceClass = DefaultInstanceClass
	}
	setDefault(&c.Database.BackupRetentionDays, DefaultBackupRetentionDays)
	if c.Database.ReadReplicas == nil {
		n := DefaultReadReplicas
		c.Database.ReadReplicas = &n
	}
	if c.Database.ReadReplicaMultiAz == nil {
		off := false
		c.Database.ReadReplicaMultiAz = &off
	}
	if c.DR.ReplicaMultiAz == nil {
		off := false
		c.DR.ReplicaMultiAz = &off
	}
	if c.Cache.NodeType == "" {
		c.Cache.NodeType = DefaultNodeType
	}
	setDefault(&c.Cache.Replicas, 1)
	setDefault(&c.Cache.SnapshotRetentionDays, DefaultSnapshotRetentionDays)
	setDefault(&c.Backup.MinRetentionDays, DefaultVaultMinRetentionDays)
	setDefault(&c.Backup.MaxRetentionDays, DefaultVaultMaxRetentionDays)
	if c.DR.InstanceClass == "" {
		c.DR.InstanceClass = c.Database.InstanceClass
	}
	if c.DR.CacheNodeType == "" {
		c.DR.CacheNodeType = c.Cache.NodeType
	}
	setDefault(&c.DR.CacheReplicas, 1)
	primary := c.Role == RolePrimary
	boolDefault := func(v **bool, d bool) {
		if *v == nil {
			*v = &d
		}
	}
	boolDefault(&c.Audit.Trail, primary) // one multi-region trail, in the primary
	boolDefault(&c.Audit.AccountBaseline, true)
	boolDefault(&c.Audit.RecordGlobalResources, primary) // global resources once
	setDefault(&c.Audit.LogRetentionDays, 365)
	if c.Audit.FindingPublishingFrequency == "" {
		c.Audit.FindingPublishingFrequency = "FIFTEEN_MINUTES"
	}
	if c.Edge.RateLimit == nil {
		limit := 2000
		c.Edge.RateLimit = &limit
	}
	boolDefault(&c.Edge.AnonymousIPList, true)
	if c.Edge.Domain != "" && c.Edge.HealthCheckPath == "" {
		c.Edge.HealthCheckPath = "/healthz"
	}
	boolDefault(&c.Identity.PasswordPolicy, primary)
	setDefault(&c.Identity.MaxPasswordAgeDays, 90)
	setDefault(&c.Identity.MaxSessionSeconds, 3600)
	if c.Identity.GitHub.Branch == "" {
		c.Identity.GitHub.Branch = "main"
	}
	c.Cluster = c.Cluster.withDefaults()
	c.Baseline = c.Baseline.withDefaults(c.AccountID, c.Region)
	c.Monitoring = c.Monitoring.withDefaults()
	c.Logging = c.Logging.withDefaults()
	c.Services = c.servicesWithDefaults()
	c.Cost = c.costWithDefaults()
	c.Delivery = c.Delivery.withDefaults(c.Identity.GitHub)
	c.Tracing = c.Tracing.withDefaults(c.ServiceSLOs())
	c.Synthetics = c.Synthetics.withDefaults()
	c.Chaos = c.Chaos.withDefaults(c.Network.AZs)
	c.Secrets = append([]Secret(nil), c.Secrets...)
	for i := range c.Secrets {
		setDefault(&c.Secrets[i].RotationDays, 30)
	}
	return c
}

func setDefault(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

// IsProduction reports whether the production-only rules apply.
func (c StackConfig) IsProduction() bool { return c.Tags.Environment == ProductionEnvironment }

// ProtectStateful is the resolved protection switch.
func (c StackConfig) ProtectStateful() bool { return c.Protect == nil || *c.Protect }

// FieldError is one validation problem at a config field path such as
// network.azs.
type FieldError struct {
	Path    string
	Message string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Message: fmt.Sprintf(format, args...)}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func sortErrors(errs []error) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
}
