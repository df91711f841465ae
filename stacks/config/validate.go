package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"platform/internal/naming"
)

var (
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	accountPattern      = regexp.MustCompile(`^[0-9]{12}$`)
	stackRefPattern     = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	classificationLevel = []string{"public", "internal", "confidential", "restricted"}
	// logRetentionValues are the retention periods CloudWatch Logs accepts.
	logRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	// privateRanges are the RFC 1918 blocks a VPC may use.
	privateRanges = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
	}
)

// Today is the day config is validated on (the Kubernetes version must
// be in standard support then). Tests may replace it.
var Today = func() time.Time { return time.Now().UTC() }

// MinAZs is the number of availability zones every stack spans.
const MinAZs = 3

// MaxAZLetter is the last AZ letter the subnet plan has room for.
const MaxAZLetter = 'f'

// Validate reports every problem of a defaulted config, each with its
// field path and the fix. It is pure: it registers nothing and reads
// nothing but c.
func (c StackConfig) Validate() error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }

	switch c.Role {
	case RolePrimary, RoleDR:
	case "":
		add("role", `is required: set "primary" or "dr"`)
	default:
		add("role", `must be "primary" or "dr", got %q`, c.Role)
	}
	if !regionPattern.MatchString(c.Region) {
		add("region", "must be an AWS region such as us-east-1, got %q", c.Region)
	}
	if !accountPattern.MatchString(c.AccountID) {
		add("accountId", "must be the 12-digit AWS account id, got %q", c.AccountID)
	}
	switch {
	case c.Role == RolePrimary && c.DRRegion == "":
		add("drRegion", "is required for the primary role: the region data is replicated to, such as us-west-2")
	case c.DRRegion != "" && !regionPattern.MatchString(c.DRRegion):
		add("drRegion", "must be an AWS region such as us-west-2, got %q", c.DRRegion)
	case c.DRRegion != "" && c.DRRegion == c.Region:
		add("drRegion", "must differ from region (%s): a replica in the same region survives no regional outage", c.Region)
	}
	switch {
	case c.Role == RoleDR && c.PrimaryStack == "":
		add("primaryStack", "is required for the dr role: the primary stack's fully qualified name, org/project/stack")
	case c.PrimaryStack != "" && !stackRefPattern.MatchString(c.PrimaryStack):
		add("primaryStack", "must be a fully qualified stack name org/project/stack, got %q", c.PrimaryStack)
	}
	if c.IsProduction() && !c.ProtectStateful() {
		add("protect", "must be true when tags.environment is production: stateful resources must not be deletable by a pulumi up")
	}

	errs = append(errs, c.Tags.validate()...)
	errs = append(errs, c.Network.validate(c.Region, c.IsProduction())...)
	errs = append(errs, c.KMS.validate(c.IsProduction())...)
	errs = append(errs, c.Storage.validate()...)
	errs = append(errs, c.dataTier()...)
	errs = append(errs, c.security()...)
	errs = append(errs, c.Cluster.validate(Today())...)
	errs = append(errs, c.Baseline.validate()...)
	errs = append(errs, c.Monitoring.validate()...)
	errs = append(errs, c.validateObservability()...)
	errs = append(errs, c.validateDelivery()...)
	errs = append(errs, c.validateCost()...)
	return errors.Join(errs...)
}

var (
	repoName      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchName    = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	principalARN  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/[A-Za-z0-9+=,.@_/-]+$`)
	dnsName       = regexp.MustCompile(`^([a-z0-9-]+\.)+[a-z]{2,}$`)
	publishPeriod = map[string]bool{"FIFTEEN_MINUTES": true, "ONE_HOUR": true, "SIX_HOURS": true}
)

// security validates audit, edge and identity.
func (c StackConfig) security() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	if c.Audit.LogRetentionDays < 365 {
		add("audit.logRetentionDays", "audit logs are kept at least 365 days (PCI DSS 10.5.1), got %d", c.Audit.LogRetentionDays)
	}
	if !publishPeriod[c.Audit.FindingPublishingFrequency] {
		add("audit.findingPublishingFrequency", "must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS, got %q", c.Audit.FindingPublishingFrequency)
	}
	if c.Audit.OrganizationTrail && (c.Audit.Trail == nil || !*c.Audit.Trail) {
		add("audit.organizationTrail", "needs audit.trail")
	}
	if c.Audit.RecordGlobalResources != nil && *c.Audit.RecordGlobalResources && (c.Audit.AccountBaseline == nil || !*c.Audit.AccountBaseline) {
		add("audit.recordGlobalResources", "needs audit.accountBaseline (the Config recorder)")
	}
	if c.Edge.RateLimit != nil && *c.Edge.RateLimit < 100 {
		add("edge.rateLimit", "must be at least 100 requests per 5 minutes per IP (the AWS minimum), got %d", *c.Edge.RateLimit)
	}
	if c.Edge.Domain != "" && !dnsName.MatchString(c.Edge.Domain) {
		add("edge.domain", "must be a lower-case DNS name, got %q", c.Edge.Domain)
	}
	if c.Role == RolePrimary && c.Edge.Domain != "" && c.Edge.ZoneName == "" {
		add("edge.zoneName", "is required with edge.domain in the primary stack, which owns the zone")
	}
	if c.Edge.ZoneName != "" && c.Edge.Domain != "" && !strings.HasSuffix(c.Edge.Domain, "."+c.Edge.ZoneName) {
		add("edge.zoneName", "%q is not a parent of edge.domain %q", c.Edge.ZoneName, c.Edge.Domain)
	}
	if c.Role != RolePrimary {
		return errs // IAM is global: the primary stack owns the identities
	}
	id := c.Identity
	for _, list := range []struct {
		path string
		arns []string
	}{{"identity.adminPrincipals", id.AdminPrincipals}, {"identity.auditorPrincipals", id.AuditorPrincipals}, {"identity.breakGlassPrincipals", id.BreakGlassPrincipals}} {
		if len(list.arns) == 0 {
			add(list.path, "name at least one IAM user or role ARN that may assume the role with MFA")
		}
		for i, p := range list.arns {
			if !principalARN.MatchString(p) || strings.Contains(p, "*") {
				add(fmt.Sprintf("%s[%d]", list.path, i), "must be an IAM user or role ARN without wildcards, got %q", p)
			}
		}
	}
	if !repoName.MatchString(id.GitHub.Repository) {
		add("identity.github.repository", "must be owner/name without wildcards (the OIDC subject is scoped to it), got %q", id.GitHub.Repository)
	}
	if !branchName.MatchString(id.GitHub.Branch) {
		add("identity.github.branch", "must be a branch name without wildcards, got %q", id.GitHub.Branch)
	}
	if id.MaxSessionSeconds < 900 || id.MaxSessionSeconds > 43200 {
		add("identity.maxSessionSeconds", "must be 900 to 43200, got %d", id.MaxSessionSeconds)
	}
	if id.ServiceControlPolicies && (id.OrganizationTarget == "" || len(id.AllowedRegions) == 0) {
		add("identity.organizationTarget", "serviceControlPolicies needs organizationTarget (a root or OU id) and allowedRegions")
	}
	return errs
}

var (
	pgVersion    = regexp.MustCompile(`^[0-9]{2}\.[0-9]+$`)
	redisVersion = regexp.MustCompile(`^[0-9]\.[0-9]+$`)
	dbClass      = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	cacheNode    = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
)

// dataTier validates database, cache, backup, dr and secrets.
func (c StackConfig) dataTier() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	prod := c.IsProduction()
	d := c.Database
	if !pgVersion.MatchString(d.EngineVersion) {
		add("database.engineVersion", "is required: a pinned PostgreSQL version such as 16.4, got %q", d.EngineVersion)
	}
	for _, f := range []struct{ path, v string }{{"database.instanceClass", d.InstanceClass}, {"dr.instanceClass", c.DR.InstanceClass}} {
		if !dbClass.MatchString(f.v) {
			add(f.path, "must be an RDS instance class such as db.r6g.xlarge, got %q", f.v)
		}
	}
	switch {
	case d.BackupRetentionDays < 7 || d.BackupRetentionDays > 35:
		add("database.backupRetentionDays", "must be 7 to 35, got %d", d.BackupRetentionDays)
	case prod && d.BackupRetentionDays < 14:
		add("database.backupRetentionDays", "must be at least 14 in production, got %d", d.BackupRetentionDays)
	}
	if d.ReadReplicas != nil && (*d.ReadReplicas < 0 || *d.ReadReplicas > 5) {
		add("database.readReplicas", "must be 0 to 5, got %d", *d.ReadReplicas)
	}
	if d.ReplicaLagAlarmSeconds < 0 || d.ReplicaLagAlarmSeconds >= 900 {
		add("database.replicaLagAlarmSeconds", "must be under the 15-minute RPO (900), got %d", d.ReplicaLagAlarmSeconds)
	}
	k := c.Cache
	if !redisVersion.MatchString(k.EngineVersion) {
		add("cache.engineVersion", "is required: a pinned Redis version such as 7.1, got %q", k.EngineVersion)
	}
	for _, f := range []struct{ path, v string }{{"cache.nodeType", k.NodeType}, {"dr.cacheNodeType", c.DR.CacheNodeType}} {
		if !cacheNode.MatchString(f.v) {
			add(f.path, "must be an ElastiCache node type such as cache.r6g.large, got %q", f.v)
		}
	}
	if k.Replicas < 1 || k.Replicas > 5 {
		add("cache.replicas", "must be 1 to 5 (a replica per shard for Multi-AZ failover), got %d", k.Replicas)
	}
	if c.DR.CacheReplicas < 1 || c.DR.CacheReplicas > 5 {
		add("dr.cacheReplicas", "must be 1 to 5, got %d", c.DR.CacheReplicas)
	}
	switch {
	case k.SnapshotRetentionDays < 1 || k.SnapshotRetentionDays > 35:
		add("cache.snapshotRetentionDays", "must be 1 to 35, got %d", k.SnapshotRetentionDays)
	case prod && k.SnapshotRetentionDays < 7:
		add("cache.snapshotRetentionDays", "must be at least 7 in production, got %d", k.SnapshotRetentionDays)
	}
	b := c.Backup
	switch b.VaultLock {
	case "governance", "compliance":
	case "":
		if prod {
			add("backup.vaultLock", "is required in production: governance or compliance")
		}
	default:
		add("backup.vaultLock", "must be governance or compliance, got %q", b.VaultLock)
	}
	if b.MinRetentionDays < 1 || b.MaxRetentionDays < 365 || b.MinRetentionDays > b.MaxRetentionDays {
		add("backup.maxRetentionDays", "the vault must accept the plan's retentions (1 <= minRetentionDays <= 35, maxRetentionDays >= 365), got %d and %d", b.MinRetentionDays, b.MaxRetentionDays)
	}
	if c.DR.Promote && c.Role != RoleDR {
		add("dr.promote", "only the dr stack promotes its replica; the %s role has none", c.Role)
	}
	if c.DR.Promote && c.PrimaryStack == "" {
		add("dr.promote", "there is no replica to promote without primaryStack, the replica's source")
	}
	seen := map[string]bool{}
	for i, s := range c.Secrets {
		at := fmt.Sprintf("secrets[%d]", i)
		if s.Name == "" || seen[s.Name] {
			add(at+".name", "must be set and unique, got %q", s.Name)
		}
		seen[s.Name] = true
		if len(s.ReaderRoleArns) == 0 {
			add(at+".readerRoleArns", "name the roles that may read the secret")
		}
		if s.RotationLambdaArn == "" || s.RotationRoleArn == "" {
			add(at+".rotationLambdaArn", "a rotation function and its role are required: secrets rotate")
		}
		if s.RotationDays > 90 {
			add(at+".rotationDays", "must be at most 90, got %d", s.RotationDays)
		}
	}
	return errs
}

func (t Tags) validate() []error {
	var errs []error
	for _, f := range []struct{ path, value string }{
		{"tags.environment", t.Environment},
		{"tags.owner", t.Owner},
		{"tags.costCenter", t.CostCenter},
		{"tags.dataClassification", t.DataClassification},
	} {
		switch {
		case f.value == "":
			errs = append(errs, fieldErr(f.path, "is required: every resource is tagged with it"))
		case !naming.ValidTagValue(f.value):
			errs = append(errs, fieldErr(f.path, "must use only letters, digits, spaces and _ . : / = + - @ (at most 256), got %q", f.value))
		}
	}
	if t.DataClassification != "" && !slices.Contains(classificationLevel, t.DataClassification) {
		errs = append(errs, fieldErr("tags.dataClassification", "must be one of %s, got %q", strings.Join(classificationLevel, ", "), t.DataClassification))
	}
	return errs
}

func (n Network) validate(region string, production bool) []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }

	if len(n.AZs) < MinAZs {
		add("network.azs", "need at least %d availability zones, got %d", MinAZs, len(n.AZs))
	}
	seen := map[string]bool{}
	for i, az := range n.AZs {
		path := fmt.Sprintf("network.azs[%d]", i)
		switch {
		case seen[az]:
			add(path, "%q is listed twice", az)
		case az == "":
			add(path, "must not be empty")
		case regionPattern.MatchString(region) && (!strings.HasPrefix(az, region) || len(az) != len(region)+1):
			add(path, "must be an availability zone of %s such as %sa, got %q", region, region, az)
		case az[len(az)-1] < 'a' || az[len(az)-1] > MaxAZLetter:
			add(path, "must end in a letter a to %c (the subnet plan has room for six zones), got %q", MaxAZLetter, az)
		}
		seen[az] = true
	}

	prefix, err := netip.ParsePrefix(n.VpcCidr)
	switch {
	case n.VpcCidr == "":
		add("network.vpcCidr", "is required: an RFC 1918 block such as 10.10.0.0/16")
	case err != nil:
		add("network.vpcCidr", "must be a CIDR block such as 10.10.0.0/16, got %q", n.VpcCidr)
	case !prefix.Addr().Is4():
		add("network.vpcCidr", "must be IPv4, got %q", n.VpcCidr)
	case prefix.Masked() != prefix:
		add("network.vpcCidr", "has host bits set: use %s", prefix.Masked())
	case prefix.Bits() < 16 || prefix.Bits() > 20:
		add("network.vpcCidr", "must be a /16 to /20 (AWS allows /16 at most; the subnet plan needs /20 at least), got /%d", prefix.Bits())
	case !inPrivateRange(prefix):
		add("network.vpcCidr", "must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, got %q", n.VpcCidr)
	}

	switch n.NatMode {
	case NatPerAZ:
	case NatSingle:
		if production {
			add("network.natMode", "must be perAz in production: a single NAT gateway is a single point of failure")
		}
	default:
		add("network.natMode", "must be perAz or single, got %q", n.NatMode)
	}
	if !slices.Contains(logRetentionValues, n.FlowLogRetentionDays) {
		add("network.flowLogRetentionDays", "must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got %d", n.FlowLogRetentionDays)
	} else if production && n.FlowLogRetentionDays < 365 {
		add("network.flowLogRetentionDays", "must be at least 365 in production (PCI DSS 10.5.1), got %d", n.FlowLogRetentionDays)
	}
	return errs
}

func inPrivateRange(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func (k KMS) validate(production bool) []error {
	switch {
	case k.DeletionWindowDays < 7 || k.DeletionWindowDays > 30:
		return []error{fieldErr("kms.deletionWindowDays", "must be between 7 and 30, got %d", k.DeletionWindowDays)}
	case production && k.DeletionWindowDays != 30:
		return []error{fieldErr("kms.deletionWindowDays", "must be 30 in production, got %d", k.DeletionWindowDays)}
	}
	return nil
}

func (s Storage) validate() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	if s.ObjectLockRetentionDays < 1 {
		add("storage.objectLockRetentionDays", "must be at least 1, got %d", s.ObjectLockRetentionDays)
	}
	if s.TransitionToIADays < 30 {
		add("storage.transitionToIaDays", "must be at least 30 (the S3 minimum for Standard-IA), got %d", s.TransitionToIADays)
	}
	if s.TransitionToGlacierDays < s.TransitionToIADays+30 {
		add("storage.transitionToGlacierDays", "must be at least 30 days after transitionToIaDays (%d), got %d", s.TransitionToIADays, s.TransitionToGlacierDays)
	}
	if s.NoncurrentVersionExpirationDays < s.ObjectLockRetentionDays {
		add("storage.noncurrentVersionExpirationDays", "must be at least objectLockRetentionDays (%d), got %d: locked versions cannot expire earlier", s.ObjectLockRetentionDays, s.NoncurrentVersionExpirationDays)
	}
	if s.AccessLogExpirationDays < 90 {
		add("storage.accessLogExpirationDays", "must be at least 90 (PCI DSS 10.5.1 keeps three months at hand), got %d", s.AccessLogExpirationDays)
	}
	return errs
}
