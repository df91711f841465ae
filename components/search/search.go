// Package search owns the platform's Amazon OpenSearch Service domain for
// audit and security search. Fluent Bit, in the cluster's logging namespace
// with its own Pod Identity role, ships the EKS audit log and Falco's
// events to it; auditors query it. The domain is the platform's copy of
// its security evidence, so everything about it is closed by default: it
// lives in the private subnets behind a security group that admits HTTPS
// from the VPC only, is encrypted at rest with the logs key and between
// nodes, accepts TLS 1.2+ only, uses fine-grained access control with the
// platform admin role as its master user, publishes its slow, error and
// audit logs to encrypted log groups, and its access policy names the
// roles that may call it, never anyone.
//
// Index retention is an Index State Management policy (ISMPolicy): an
// OpenSearch document, not an AWS resource, so the component that talks
// to the domain's REST API applies it, together with the security plugin's
// audit-log configuration and role mappings.
package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// DomainArgs configure the domain. Everything that decides its shape
// (node counts, zones, dedicated masters) is a plain value from config.
type DomainArgs struct {
	// Namer names the domain, its log groups and security group, and gives
	// the account and region for ARNs.
	Namer naming.Namer
	// Production requires dedicated masters, three AZs and non-burstable
	// instances.
	Production bool
	// EngineVersion is the pinned engine, "OpenSearch_X.Y" (for example
	// OpenSearch_2.19 or OpenSearch_3.5). It comes from config and never
	// floats: an engine upgrade is a planned blue/green change.
	EngineVersion string
	// InstanceType and InstanceCount of the data nodes. The count is at
	// least 3 and a multiple of AZCount, so every zone holds the same share.
	InstanceType  string
	InstanceCount int
	// DedicatedMasters adds MasterCount (3) dedicated cluster-manager
	// nodes of MasterType, one per zone: the cluster survives losing a
	// zone without a split brain.
	DedicatedMasters bool
	MasterType       string
	MasterCount      int
	// VolumeGi is each data node's gp3 volume; VolumeIops and
	// VolumeThroughputMiB default to gp3's baseline (3000, 125 MiB/s).
	VolumeGi            int
	VolumeIops          int
	VolumeThroughputMiB int
	// KmsKeyArn (the logs key) encrypts the domain at rest and its log
	// groups. It must be the key's ARN: OpenSearch accepts a key id but
	// reports the ARN, which the provider would show as a change forever.
	KmsKeyArn pulumi.StringInput
	// LogRetentionDays of the slow, error and audit log groups (at least
	// 365; a value CloudWatch Logs accepts).
	LogRetentionDays int
	// SubnetIDs are the private subnets, one per AZ; AZCount is 2 or 3
	// (3 in production) and turns on zone awareness across that many.
	SubnetIDs pulumi.StringArrayInput
	AZCount   int
	// VpcID and VpcCidr: the security group admits HTTPS from the VPC only.
	VpcID   pulumi.StringInput
	VpcCidr string
	// MasterRoleArn is the fine-grained access control master user: the
	// security configurator's role (NewSecurityConfig), which maps the
	// other roles inside OpenSearch as code.
	MasterRoleArn pulumi.StringInput
	// AdminRoleArns (the platform admins) reach every path, like the
	// master; inside OpenSearch the configurator maps them to all_access.
	AdminRoleArns []pulumi.StringInput
	// WriterRoleArns (Fluent Bit's Pod Identity role, and the role of the
	// Firehose stream that delivers the EKS audit log) and ReaderRoleArns
	// (auditors) are the only other principals the access policy admits.
	WriterRoleArns []pulumi.StringInput
	ReaderRoleArns []pulumi.StringInput
	// RetentionDays the audit and security indices are kept (at least
	// 365), and IndexPatterns they match (DefaultIndexPatterns): the
	// domain's IndexPolicy.
	RetentionDays int
	IndexPatterns []string
	// TLSSecurityPolicy of the HTTPS endpoint; defaults to
	// DefaultTLSSecurityPolicy (TLS 1.2 and 1.3, forward secrecy only).
	TLSSecurityPolicy string
	// Protect turns on pulumi.Protect. The domain is always retained on
	// delete: it holds the only searchable copy of the audit trail.
	Protect bool
}

// Defaults, safe for production.
const (
	// DefaultAZCount spreads the domain over three zones.
	DefaultAZCount = 3
	// DefaultMasterCount is one dedicated master per zone.
	DefaultMasterCount = 3
	// DefaultVolumeGi per data node.
	DefaultVolumeGi = 100
	// DefaultVolumeIops and DefaultVolumeThroughputMiB are gp3's baseline,
	// which costs nothing extra.
	DefaultVolumeIops          = 3000
	DefaultVolumeThroughputMiB = 125
	// DefaultLogRetentionDays and DefaultRetentionDays: a year, the audit
	// evidence floor (PCI DSS 10.5.1).
	DefaultLogRetentionDays = 365
	DefaultRetentionDays    = 365
	// MinRetentionDays is the least either retention may be.
	MinRetentionDays = 365
	// DefaultTLSSecurityPolicy negotiates TLS 1.2 and 1.3 with forward
	// secrecy cipher suites only.
	DefaultTLSSecurityPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"
	// Port is the domain's HTTPS endpoint.
	Port = 443
	// offPeakStartHourUTC starts the daily 10-hour off-peak window (04:00
	// to 14:00 UTC: night in both us-east-1 and us-west-2), when AWS
	// schedules service software updates and Auto-Tune's blue/green changes.
	offPeakStartHourUTC = 4
	// minVolumeGi is the smallest gp3 volume OpenSearch Service accepts.
	minVolumeGi = 10
)

// DefaultIndexPatterns are the indices the log shippers write: the EKS
// audit log (eks-audit-YYYY-MM-DD, delivered by components/logging's
// Firehose stream with daily rotation) and Falco's security events
// (security-YYYY.MM.DD, Fluent Bit's Logstash_Prefix).
var DefaultIndexPatterns = []string{"eks-audit-*", "security-*"}

// TLSSecurityPolicies are the endpoint policies the platform accepts: the
// two that refuse anything older than TLS 1.2 (the third AWS offers,
// Policy-Min-TLS-1-0-2019-07, accepts TLS 1.0).
var TLSSecurityPolicies = []string{"Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-2-2019-07"}

// LogTypes are the domain's logs, each published to its own log group:
// slow logs for troubleshooting, the error (application) log, and the
// audit log of who did what through the REST API.
var LogTypes = []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"}

// logSuffix names each log type's group and logical name.
var logSuffix = map[string]string{
	"INDEX_SLOW_LOGS":     "index-slow",
	"SEARCH_SLOW_LOGS":    "search-slow",
	"ES_APPLICATION_LOGS": "application",
	"AUDIT_LOGS":          "audit",
}

// cloudWatchRetention are the retention periods CloudWatch Logs accepts.
var cloudWatchRetention = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	enginePattern   = regexp.MustCompile(`^OpenSearch_([0-9]+)\.([0-9]+)$`)
	instancePattern = regexp.MustCompile(`^[a-z][a-z0-9]*\.[a-z0-9]+\.search$`)
	// burstable instance types (t2, t3) run neither Auto-Tune nor Multi-AZ
	// with Standby, and are for development only.
	burstablePattern = regexp.MustCompile(`^t[0-9]+[a-z]*\.`)
	rolePattern      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
	// indexPattern is a lower-case index name that may hold wildcards and
	// does not start with the characters of hidden and system indices.
	indexPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.*+-]*$`)
)

// domainNames: 3 to 28 lower-case letters, digits and hyphens, starting
// with a letter (the namer's project name is one).
var domainNames = naming.Service{Name: "opensearch domain", MaxLen: 28, Lower: true, Invalid: regexp.MustCompile(`[^a-z0-9-]+`), Sep: "-"}

// DomainName is the physical name a namer gives the domain of the
// component called name. It depends only on these, so no config change
// renames (replaces) the domain.
func DomainName(n naming.Namer, name string) string { return n.Name(domainNames, name) }

// DomainArn is the domain's ARN, known before it exists: IAM policies of
// other components (Fluent Bit's role) can name it at plan time.
func DomainArn(n naming.Namer, name string) string {
	return n.ARN("es", "domain/"+DomainName(n, name))
}

func (a DomainArgs) withDefaults() DomainArgs {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.AZCount, DefaultAZCount)
	if a.DedicatedMasters {
		def(&a.MasterCount, DefaultMasterCount)
	}
	def(&a.VolumeGi, DefaultVolumeGi)
	def(&a.VolumeIops, DefaultVolumeIops)
	def(&a.VolumeThroughputMiB, DefaultVolumeThroughputMiB)
	def(&a.LogRetentionDays, DefaultLogRetentionDays)
	def(&a.RetentionDays, DefaultRetentionDays)
	if a.TLSSecurityPolicy == "" {
		a.TLSSecurityPolicy = DefaultTLSSecurityPolicy
	}
	if a.IndexPatterns == nil {
		a.IndexPatterns = slices.Clone(DefaultIndexPatterns)
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a DomainArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" || a.Namer.Project == "" {
		add("namer: project, account id and region are required")
	}
	if !enginePattern.MatchString(a.EngineVersion) {
		add("engineVersion: must be a pinned OpenSearch version such as OpenSearch_2.19, got %q", a.EngineVersion)
	}
	if !instancePattern.MatchString(a.InstanceType) {
		add("instanceType: must be an OpenSearch instance type such as r7g.large.search, got %q", a.InstanceType)
	}
	if a.AZCount != 2 && a.AZCount != 3 {
		add("azCount: must be 2 or 3 (zone awareness spans two or three zones), got %d", a.AZCount)
	}
	if a.InstanceCount < 3 {
		add("instanceCount: at least 3 data nodes keep a replica of every shard after losing one, got %d", a.InstanceCount)
	} else if (a.AZCount == 2 || a.AZCount == 3) && a.InstanceCount%a.AZCount != 0 {
		add("instanceCount: must be a multiple of azCount (%d) so every zone holds the same share, got %d", a.AZCount, a.InstanceCount)
	}
	if a.DedicatedMasters {
		if !instancePattern.MatchString(a.MasterType) {
			add("masterType: must be an OpenSearch instance type such as m7g.large.search, got %q", a.MasterType)
		}
		if a.MasterCount != 3 {
			add("masterCount: must be 3, one dedicated master per zone, got %d", a.MasterCount)
		}
	}
	if a.Production {
		if !a.DedicatedMasters {
			add("dedicatedMasters: production requires dedicated master nodes: set dedicatedMasters, masterType and masterCount 3")
		}
		if a.AZCount != 3 {
			add("azCount: production spans 3 availability zones, got %d", a.AZCount)
		}
		if burstablePattern.MatchString(a.InstanceType) {
			add("instanceType: production needs a non-burstable type (t2/t3 run neither Auto-Tune nor Multi-AZ with Standby), got %q", a.InstanceType)
		}
		if a.DedicatedMasters && burstablePattern.MatchString(a.MasterType) {
			add("masterType: production needs a non-burstable type, got %q", a.MasterType)
		}
	}
	if a.VolumeGi < minVolumeGi {
		add("volumeGi: must be at least %d, got %d", minVolumeGi, a.VolumeGi)
	}
	if a.VolumeIops < DefaultVolumeIops {
		add("volumeIops: gp3 gives at least %d, got %d", DefaultVolumeIops, a.VolumeIops)
	}
	if a.VolumeThroughputMiB < DefaultVolumeThroughputMiB {
		add("volumeThroughputMiB: gp3 gives at least %d, got %d", DefaultVolumeThroughputMiB, a.VolumeThroughputMiB)
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required: the domain and its logs are encrypted with the logs key")
	} else if s, ok := a.KmsKeyArn.(pulumi.String); ok && !strings.HasPrefix(string(s), "arn:") {
		add("kmsKeyArn: give the key's ARN, not its id or alias (the domain reports the ARN), got %q", string(s))
	}
	if a.LogRetentionDays < MinRetentionDays || !slices.Contains(cloudWatchRetention, a.LogRetentionDays) {
		add("logRetentionDays: must be a CloudWatch Logs retention of at least %d days (365, 400, 545, 731, ...), got %d", MinRetentionDays, a.LogRetentionDays)
	}
	if a.RetentionDays < MinRetentionDays {
		add("retentionDays: audit and security indices are kept at least %d days, got %d", MinRetentionDays, a.RetentionDays)
	}
	for _, e := range indexPatternErrors(a.IndexPatterns) {
		add("indexPatterns%s", e)
	}
	if a.SubnetIDs == nil {
		add("subnetIds: are required: the domain lives in the private subnets, one per zone")
	} else if ids, ok := a.SubnetIDs.(pulumi.StringArray); ok && len(ids) != a.AZCount {
		add("subnetIds: give one private subnet per zone (%d), got %d", a.AZCount, len(ids))
	}
	if a.VpcID == nil {
		add("vpcId: is required: the security group is created in the domain's VPC")
	}
	if p, err := netip.ParsePrefix(a.VpcCidr); err != nil || !p.Addr().IsPrivate() {
		add("vpcCidr: must be the VPC's private CIDR block, the only source admitted on %d, got %q", Port, a.VpcCidr)
	}
	if a.MasterRoleArn == nil {
		add("masterRoleArn: is required: the platform admin role is the fine-grained access control master user")
	} else if msg := plainRoleProblem(a.MasterRoleArn); msg != "" {
		add("masterRoleArn: %s", msg)
	}
	if len(a.WriterRoleArns) == 0 {
		add("writerRoleArns: name the log shippers' roles (Fluent Bit's Pod Identity role)")
	}
	for field, roles := range map[string][]pulumi.StringInput{"adminRoleArns": a.AdminRoleArns, "writerRoleArns": a.WriterRoleArns, "readerRoleArns": a.ReaderRoleArns} {
		for i, r := range roles {
			if r == nil {
				add("%s[%d]: is nil: name an IAM role", field, i)
			} else if msg := plainRoleProblem(r); msg != "" {
				add("%s[%d]: %s", field, i, msg)
			}
		}
	}
	if !slices.Contains(TLSSecurityPolicies, a.TLSSecurityPolicy) {
		add("tlsSecurityPolicy: must be one of %s (TLS 1.2 or later), got %q", strings.Join(TLSSecurityPolicies, ", "), a.TLSSecurityPolicy)
	}
	slices.SortStableFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}

// plainRoleProblem checks a principal known at plan time; values other
// resources produce are checked when the access policy is rendered.
func plainRoleProblem(in pulumi.StringInput) string {
	s, ok := in.(pulumi.String)
	if !ok || rolePattern.MatchString(string(s)) {
		return ""
	}
	return fmt.Sprintf("must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), never a wildcard, got %q", string(s))
}

// indexPatternErrors returns each problem of the index patterns, starting
// with the element's index ("[1]: ...").
func indexPatternErrors(patterns []string) []string {
	var errs []string
	if len(patterns) == 0 {
		errs = append(errs, ": name at least one index pattern such as audit-*")
	}
	for i, p := range patterns {
		switch {
		case p != "" && strings.Trim(p, "*") == "":
			errs = append(errs, fmt.Sprintf("[%d]: %q would delete every index: name the audit and security indices", i, p))
		case !indexPattern.MatchString(p):
			errs = append(errs, fmt.Sprintf("[%d]: must be a lower-case index pattern such as audit-*, not a hidden or system index, got %q", i, p))
		}
	}
	return errs
}

// Domain is the audit and security search domain.
type Domain struct {
	pulumi.ResourceState

	// Arn and DomainName identify the domain (Fluent Bit's IAM policy
	// names the ARN; DomainArn gives it before deploy).
	Arn        pulumi.StringOutput
	DomainName pulumi.StringOutput
	// Endpoint is the domain's HTTPS endpoint inside the VPC.
	Endpoint pulumi.StringOutput
	// SecurityGroupID admits HTTPS from the VPC.
	SecurityGroupID pulumi.StringOutput
	// IndexPolicy is the ISM policy (JSON) for the audit and security
	// indices: hot, then deleted after RetentionDays. The component that
	// configures the domain through its REST API applies it.
	IndexPolicy string
	// Policy is the domain's access policy (what a client waits for).
	Policy *opensearch.DomainPolicy
}

// NewDomain creates the domain with its security group, log groups, the
// CloudWatch Logs resource policy that lets OpenSearch write them, and its
// access policy.
//
// The service-linked role AWSServiceRoleForAmazonOpenSearchService, which
// OpenSearch needs to place a domain in a VPC, is not created here: it is
// one per account, and a second stack creating it would fail. It must
// exist in the account before the first domain is created.
func NewDomain(ctx *pulumi.Context, name string, args *DomainArgs, opts ...pulumi.ResourceOption) (*Domain, error) {
	if args == nil {
		args = &DomainArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("search %s: %w", name, err)
	}
	indexPolicy, err := ISMPolicy(a.RetentionDays, a.IndexPatterns)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", name, err)
	}
	d := &Domain{IndexPolicy: indexPolicy}
	if err := ctx.RegisterComponentResourceV2("platform:search:Domain", name, pulumi.Map{
		"engineVersion": pulumi.String(a.EngineVersion),
		"instanceType":  pulumi.String(a.InstanceType),
		"instanceCount": pulumi.Int(a.InstanceCount),
		"azCount":       pulumi.Int(a.AZCount),
		"production":    pulumi.Bool(a.Production),
		"retentionDays": pulumi.Int(a.RetentionDays),
		"protect":       pulumi.Bool(a.Protect),
	}, d, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, d); err != nil {
		return nil, fmt.Errorf("search %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"arn": d.Arn, "domainName": d.DomainName, "endpoint": d.Endpoint, "securityGroupId": d.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

func build(ctx *pulumi.Context, name string, a DomainArgs, d *Domain) error {
	parent := pulumi.Parent(d)
	n := a.Namer
	domainName := DomainName(n, name)
	domainArn := DomainArn(n, name)

	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Name:        pulumi.String(n.Name(naming.Generic, name, "opensearch")),
		Description: pulumi.String("OpenSearch " + domainName + ": HTTPS from inside the VPC only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("OpenSearch REST API over HTTPS from the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(Port),
			ToPort:      pulumi.Int(Port),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.VpcCidr)},
		}},
		Egress: ec2.SecurityGroupEgressArray{}, // the domain only answers
	}, parent)
	if err != nil {
		return err
	}
	d.SecurityGroupID = sg.ID().ToStringOutput()

	// Each log type has its own group, created before the domain so that
	// it is encrypted and retained; the groups outlive the component like
	// the domain does, because the audit log is evidence.
	var publishing opensearch.DomainLogPublishingOptionArray
	var groupArns []pulumi.StringInput
	for _, logType := range LogTypes {
		suffix := logSuffix[logType]
		g, err := cloudwatch.NewLogGroup(ctx, name+"-"+suffix, &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(n.Name(naming.LogGroup, "opensearch", name, suffix)),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			KmsKeyId:        a.KmsKeyArn,
		}, parent, pulumi.RetainOnDelete(true))
		if err != nil {
			return err
		}
		groupArns = append(groupArns, g.Arn)
		publishing = append(publishing, opensearch.DomainLogPublishingOptionArgs{
			LogType:               pulumi.String(logType),
			CloudwatchLogGroupArn: g.Arn,
			Enabled:               pulumi.Bool(true),
		})
	}

	// OpenSearch writes its logs under a CloudWatch Logs resource policy
	// (not an IAM role): only into these groups, only for this domain of
	// this account. An account holds at most 10 such policies per region,
	// so the domain's four groups share one.
	logPolicy, err := cloudwatch.NewLogResourcePolicy(ctx, name+"-logs", &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String(n.Name(naming.Generic, name, "opensearch-logs")),
		PolicyDocument: policydoc.FromOutputs(func(arns []string) policydoc.Document {
			resources := make([]string, len(arns))
			for i, arn := range arns {
				resources[i] = strings.TrimSuffix(arn, ":*") + ":*" // the groups' streams
			}
			return policydoc.New(policydoc.Statement{
				Sid:       "OpenSearchPublishesItsLogs",
				Effect:    policydoc.Allow,
				Principal: policydoc.Service("es.amazonaws.com"),
				Action:    []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resource:  resources,
				Condition: policydoc.Conditions{
					"StringEquals": {"aws:SourceAccount": n.AccountID},
					"ArnLike":      {"aws:SourceArn": domainArn},
				},
			})
		}, groupArns...),
	}, parent)
	if err != nil {
		return err
	}

	burstable := burstablePattern.MatchString(a.InstanceType)
	autoTune := opensearch.DomainAutoTuneOptionsArgs{DesiredState: pulumi.String("DISABLED")}
	if !burstable {
		autoTune = opensearch.DomainAutoTuneOptionsArgs{DesiredState: pulumi.String("ENABLED"), UseOffPeakWindow: pulumi.Bool(true)}
	}
	cluster := &opensearch.DomainClusterConfigArgs{
		InstanceType:           pulumi.String(a.InstanceType),
		InstanceCount:          pulumi.Int(a.InstanceCount),
		DedicatedMasterEnabled: pulumi.Bool(a.DedicatedMasters),
		ZoneAwarenessEnabled:   pulumi.Bool(true),
		ZoneAwarenessConfig: &opensearch.DomainClusterConfigZoneAwarenessConfigArgs{
			AvailabilityZoneCount: pulumi.Int(a.AZCount),
		},
		MultiAzWithStandbyEnabled: pulumi.Bool(standby(a)),
	}
	if a.DedicatedMasters {
		cluster.DedicatedMasterType = pulumi.String(a.MasterType)
		cluster.DedicatedMasterCount = pulumi.Int(a.MasterCount)
	}

	domain, err := opensearch.NewDomain(ctx, name, &opensearch.DomainArgs{
		DomainName:    pulumi.String(domainName),
		EngineVersion: pulumi.String(a.EngineVersion),
		ClusterConfig: cluster,
		EbsOptions: &opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true),
			VolumeType: pulumi.String("gp3"),
			VolumeSize: pulumi.Int(a.VolumeGi),
			Iops:       pulumi.Int(a.VolumeIops),
			Throughput: pulumi.Int(a.VolumeThroughputMiB),
		},
		EncryptAtRest: &opensearch.DomainEncryptAtRestArgs{
			Enabled:  pulumi.Bool(true),
			KmsKeyId: a.KmsKeyArn,
		},
		NodeToNodeEncryption: &opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: &opensearch.DomainDomainEndpointOptionsArgs{
			EnforceHttps:      pulumi.Bool(true),
			TlsSecurityPolicy: pulumi.String(a.TLSSecurityPolicy),
		},
		// Fine-grained access control with an IAM master user: no internal
		// users (no passwords to store or rotate), no anonymous access.
		// Readers and writers are mapped to OpenSearch roles by the master.
		AdvancedSecurityOptions: &opensearch.DomainAdvancedSecurityOptionsArgs{
			Enabled:                     pulumi.Bool(true),
			InternalUserDatabaseEnabled: pulumi.Bool(false),
			AnonymousAuthEnabled:        pulumi.Bool(false),
			MasterUserOptions: &opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs{
				MasterUserArn: a.MasterRoleArn,
			},
		},
		VpcOptions: &opensearch.DomainVpcOptionsArgs{
			SubnetIds:        a.SubnetIDs,
			SecurityGroupIds: pulumi.StringArray{sg.ID().ToStringOutput()},
		},
		// Slow logs carry entries only for indices with slow-log
		// thresholds set, and the audit log only once audit logging is on
		// in the security plugin; both are index and plugin settings
		// applied through the REST API, like the ISM policy.
		LogPublishingOptions:  publishing,
		SoftwareUpdateOptions: &opensearch.DomainSoftwareUpdateOptionsArgs{AutoSoftwareUpdateEnabled: pulumi.Bool(true)},
		AutoTuneOptions:       autoTune,
		OffPeakWindowOptions: &opensearch.DomainOffPeakWindowOptionsArgs{
			Enabled: pulumi.Bool(true),
			OffPeakWindow: &opensearch.DomainOffPeakWindowOptionsOffPeakWindowArgs{
				WindowStartTime: &opensearch.DomainOffPeakWindowOptionsOffPeakWindowWindowStartTimeArgs{
					Hours: pulumi.Int(offPeakStartHourUTC), Minutes: pulumi.Int(0),
				},
			},
		},
	}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true),
		// Without the resource policy, creating a domain that publishes
		// logs fails: OpenSearch checks it can write the groups.
		pulumi.DependsOn([]pulumi.Resource{logPolicy}))
	if err != nil {
		return err
	}
	d.Arn = domain.Arn
	d.DomainName = domain.DomainName
	d.Endpoint = domain.Endpoint

	principals := make([]any, 0, 1+len(a.AdminRoleArns)+len(a.WriterRoleArns)+len(a.ReaderRoleArns))
	principals = append(principals, a.MasterRoleArn)
	for _, r := range a.AdminRoleArns {
		principals = append(principals, r)
	}
	for _, r := range a.WriterRoleArns {
		principals = append(principals, r)
	}
	for _, r := range a.ReaderRoleArns {
		principals = append(principals, r)
	}
	admins, writers := 1+len(a.AdminRoleArns), len(a.WriterRoleArns)
	access := pulumi.All(principals...).ApplyT(func(v []any) (string, error) {
		strs := make([]string, len(v))
		for i, s := range v {
			strs[i], _ = s.(string)
		}
		return AccessPolicy(domainArn, strs[:admins], strs[admins:admins+writers], strs[admins+writers:])
	}).(pulumi.StringOutput)
	d.Policy, err = opensearch.NewDomainPolicy(ctx, name, &opensearch.DomainPolicyArgs{
		DomainName:     domain.DomainName,
		AccessPolicies: access,
	}, parent)
	return err
}

// standby reports whether the domain runs Multi-AZ with Standby (99.99%
// availability, one zone's nodes held in standby): AWS offers it on
// OpenSearch 1.3 or later across three zones with three dedicated masters,
// a multiple of three data nodes (Validate ensures it) and non-burstable
// instances on gp3.
func standby(a DomainArgs) bool {
	m := enginePattern.FindStringSubmatch(a.EngineVersion)
	if m == nil || a.AZCount != 3 || !a.DedicatedMasters || a.MasterCount != 3 {
		return false
	}
	if burstablePattern.MatchString(a.InstanceType) || burstablePattern.MatchString(a.MasterType) {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > 1 || (major == 1 && minor >= 3)
}

// Actions of the access policy. Fine-grained access control decides what
// each role may do inside OpenSearch; this policy only lets them reach it.
var (
	writerActions = []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"}
	// readerActions include POST: _search and _msearch are POST requests.
	readerActions = []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}
)

// AccessPolicy renders the domain access policy: the master role gets
// every HTTP method, the writers the methods of bulk indexing, the readers
// those of search, all on the domain's paths only. Every principal must be
// an IAM role ARN: a wildcard or an empty value is an error, so a role ARN
// that resolves badly at deploy fails the deployment instead of opening
// the domain.
func AccessPolicy(domainArn string, masters, writers, readers []string) (string, error) {
	var errs []error
	check := func(field string, arns []string) {
		for i, arn := range arns {
			if !rolePattern.MatchString(arn) {
				errs = append(errs, fmt.Errorf("%s[%d]: the access policy names IAM roles only, got %q", field, i, arn))
			}
		}
	}
	if len(masters) == 0 || !rolePattern.MatchString(masters[0]) {
		errs = append(errs, fmt.Errorf("masterRoleArn: the access policy names IAM roles only, got %q", strings.Join(masters[:min(1, len(masters))], "")))
	}
	if len(masters) > 1 {
		check("adminRoleArns", masters[1:])
	}
	if len(writers) == 0 {
		errs = append(errs, errors.New("writerRoleArns: name at least one writer"))
	}
	check("writerRoleArns", writers)
	check("readerRoleArns", readers)
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	paths := domainArn + "/*"
	statements := []policydoc.Statement{
		{Sid: "PlatformAdmin", Effect: policydoc.Allow, Principal: policydoc.AWS(masters...), Action: "es:ESHttp*", Resource: paths},
		{Sid: "LogShippersWrite", Effect: policydoc.Allow, Principal: policydoc.AWS(writers...), Action: writerActions, Resource: paths},
	}
	if len(readers) > 0 {
		statements = append(statements, policydoc.Statement{
			Sid: "AuditorsRead", Effect: policydoc.Allow, Principal: policydoc.AWS(readers...), Action: readerActions, Resource: paths,
		})
	}
	return policydoc.New(statements...).JSON(), nil
}

// The Index State Management policy document, as OpenSearch reads it.
type (
	ismDocument struct {
		Policy ismPolicy `json:"policy"`
	}
	ismPolicy struct {
		Description  string        `json:"description"`
		DefaultState string        `json:"default_state"`
		States       []ismState    `json:"states"`
		ISMTemplate  []ismTemplate `json:"ism_template"`
	}
	ismState struct {
		Name        string           `json:"name"`
		Actions     []map[string]any `json:"actions"`
		Transitions []ismTransition  `json:"transitions"`
	}
	ismTransition struct {
		StateName  string            `json:"state_name"`
		Conditions map[string]string `json:"conditions,omitempty"`
	}
	ismTemplate struct {
		IndexPatterns []string `json:"index_patterns"`
		Priority      int      `json:"priority"`
	}
)

// ismPriority ranks the platform's template above OpenSearch's defaults
// (0) when several templates match a new index.
const ismPriority = 100

// ISMPolicy returns the Index State Management policy (JSON) that keeps
// new indices matching indexPatterns in a hot state and deletes each
// retentionDays after its creation. Its ism_template attaches it to every
// new matching index; existing indices need an explicit add. Apply it with
// PUT _plugins/_ism/policies/<id>.
func ISMPolicy(retentionDays int, indexPatterns []string) (string, error) {
	var errs []error
	if retentionDays < 1 {
		errs = append(errs, fmt.Errorf("retentionDays: must be at least 1, got %d", retentionDays))
	}
	for _, e := range indexPatternErrors(indexPatterns) {
		errs = append(errs, errors.New("indexPatterns"+e))
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	age := strconv.Itoa(retentionDays) + "d"
	doc := ismDocument{Policy: ismPolicy{
		Description:  fmt.Sprintf("Keeps %s for %d days, then deletes them.", strings.Join(indexPatterns, ", "), retentionDays),
		DefaultState: "hot",
		States: []ismState{
			{Name: "hot", Actions: []map[string]any{}, Transitions: []ismTransition{{StateName: "delete", Conditions: map[string]string{"min_index_age": age}}}},
			{Name: "delete", Actions: []map[string]any{{"delete": map[string]any{}}}, Transitions: []ismTransition{}},
		},
		ISMTemplate: []ismTemplate{{IndexPatterns: slices.Clone(indexPatterns), Priority: ismPriority}},
	}}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
