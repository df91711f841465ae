// Package audit owns the platform's audit and detection baseline:
// CloudTrail (multi-region, validated, KMS-encrypted, to the Object-Lock
// audit bucket and to CloudWatch Logs) with the CIS metric filters and
// alarms, AWS Config with managed rules, Security Hub with its standards,
// GuardDuty with its protections and finding routing, and IAM Access
// Analyzer. Account-wide pieces are switches, so a second stack in the
// same account does not fight over them.
package audit

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/observability"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// AuditArgs configure the baseline of one region.
type AuditArgs struct {
	// Namer names everything and gives the account and region.
	Namer naming.Namer
	// LogsKmsKeyArn encrypts the trail and its log group (Config objects
	// take the audit bucket's default key).
	LogsKmsKeyArn pulumi.StringInput
	// AuditBucketName receives CloudTrail (prefix cloudtrail) and Config
	// (prefix config); its policy must admit both (storage ServiceWriters).
	AuditBucketName pulumi.StringInput
	// DataBucketArns get S3 data events in the trail.
	DataBucketArns []pulumi.StringInput
	// SecurityTopicArn receives the CIS alarms and GuardDuty findings.
	SecurityTopicArn pulumi.StringInput
	// LogRetentionDays of the trail's log group: at least 365.
	LogRetentionDays int
	// Trail creates the multi-region trail (one per account).
	Trail bool
	// OrganizationTrail makes it an organization trail (management
	// account only).
	OrganizationTrail bool
	// AccountBaseline enables the regional detectors of this account:
	// Config recorder, Security Hub, GuardDuty, Access Analyzer.
	AccountBaseline bool
	// RecordGlobalResources records IAM and other global resources in
	// Config: in exactly one region.
	RecordGlobalResources bool
	// FindingPublishingFrequency of GuardDuty: FIFTEEN_MINUTES, ONE_HOUR
	// or SIX_HOURS.
	FindingPublishingFrequency string
	// ConfigRules are AWS managed rule identifiers; default ManagedRules.
	ConfigRules []string
}

// MinLogRetentionDays is the audit log floor (PCI DSS 10.5.1).
const MinLogRetentionDays = 365

// ManagedRules mirror the platform's success criteria.
var ManagedRules = []string{
	"ENCRYPTED_VOLUMES",
	"RDS_MULTI_AZ_SUPPORT",
	"RDS_STORAGE_ENCRYPTED",
	"RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
	"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
	"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
	"CLOUD_TRAIL_ENABLED",
	"ROOT_ACCOUNT_MFA_ENABLED",
	"INCOMING_SSH_DISABLED",
	"EKS_SECRETS_ENCRYPTED",
	"EKS_ENDPOINT_NO_PUBLIC_ACCESS",
}

// Features are the GuardDuty protections enabled, with their additional
// configuration (runtime monitoring manages its EKS agent).
var Features = map[string][]string{
	"S3_DATA_EVENTS":         nil,
	"EKS_AUDIT_LOGS":         nil,
	"RDS_LOGIN_EVENTS":       nil,
	"EBS_MALWARE_PROTECTION": nil,
	"RUNTIME_MONITORING":     {"EKS_ADDON_MANAGEMENT"},
}

// featureOrder keeps registration order stable.
var featureOrder = []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RDS_LOGIN_EVENTS", "EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING"}

// Standards are the Security Hub standards, by short name, as ARN paths.
var Standards = map[string]string{
	"fsbp": "standards/aws-foundational-security-best-practices/v/1.0.0",
	"cis":  "standards/cis-aws-foundations-benchmark/v/3.0.0",
	"pci":  "standards/pci-dss/v/4.0.1",
}

var frequencies = map[string]bool{"FIFTEEN_MINUTES": true, "ONE_HOUR": true, "SIX_HOURS": true}

func (a AuditArgs) withDefaults() AuditArgs {
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = MinLogRetentionDays
	}
	if a.FindingPublishingFrequency == "" {
		a.FindingPublishingFrequency = "FIFTEEN_MINUTES"
	}
	if a.ConfigRules == nil {
		a.ConfigRules = ManagedRules
	}
	return a
}

// Validate reports every problem with its field path.
func (a AuditArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.LogsKmsKeyArn == nil || a.SecurityTopicArn == nil {
		add("logsKmsKeyArn, securityTopicArn: are required")
	}
	if (a.Trail || a.AccountBaseline) && a.AuditBucketName == nil {
		add("auditBucketName: is required: the trail and Config deliver to the audit bucket")
	}
	if a.LogRetentionDays < MinLogRetentionDays {
		add("logRetentionDays: audit logs are kept at least %d days, got %d", MinLogRetentionDays, a.LogRetentionDays)
	}
	if !frequencies[a.FindingPublishingFrequency] {
		add("findingPublishingFrequency: must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS, got %q", a.FindingPublishingFrequency)
	}
	if a.OrganizationTrail && !a.Trail {
		add("organizationTrail: needs trail")
	}
	if a.RecordGlobalResources && !a.AccountBaseline {
		add("recordGlobalResources: needs accountBaseline (the Config recorder)")
	}
	return errors.Join(errs...)
}

// Audit is the baseline of one region.
type Audit struct {
	pulumi.ResourceState

	// TrailLogGroupName is where CloudTrail events land in CloudWatch Logs
	// (empty without a trail); identity adds its break-glass filter there.
	TrailLogGroupName pulumi.StringOutput
}

// NewAudit creates the baseline.
func NewAudit(ctx *pulumi.Context, name string, args *AuditArgs, opts ...pulumi.ResourceOption) (*Audit, error) {
	if args == nil {
		args = &AuditArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("audit %s: %w", name, err)
	}
	au := &Audit{}
	inputs := pulumi.Map{
		"trail": pulumi.Bool(a.Trail), "accountBaseline": pulumi.Bool(a.AccountBaseline),
		"recordGlobalResources": pulumi.Bool(a.RecordGlobalResources),
	}
	if err := ctx.RegisterComponentResourceV2("platform:audit:Audit", name, inputs, au, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(au)
	au.TrailLogGroupName = pulumi.String("").ToStringOutput()
	if a.Trail {
		group, err := trail(ctx, name, a, parent)
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", name, err)
		}
		au.TrailLogGroupName = group
	}
	if a.AccountBaseline {
		if err := baseline(ctx, name, a, parent); err != nil {
			return nil, fmt.Errorf("audit %s: %w", name, err)
		}
	}
	return au, ctx.RegisterResourceOutputs(au, pulumi.Map{"trailLogGroupName": au.TrailLogGroupName})
}

func trail(ctx *pulumi.Context, name string, a AuditArgs, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	n := a.Namer
	group, err := cloudwatch.NewLogGroup(ctx, name+"-cloudtrail", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(n.Name(naming.LogGroup, "cloudtrail")),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.LogsKmsKeyArn,
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	trust := policydoc.ServiceTrust("cloudtrail.amazonaws.com", n.AccountID)
	role, err := iam.NewRole(ctx, name+"-cloudtrail", &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, "cloudtrail-logs")),
		Description:      pulumi.String("CloudTrail delivery to CloudWatch Logs"),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-cloudtrail", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return policydoc.New(policydoc.Statement{
				Effect: policydoc.Allow, Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: v[0] + ":*",
			})
		}, group.Arn),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	selectors := cloudtrail.TrailAdvancedEventSelectorArray{
		cloudtrail.TrailAdvancedEventSelectorArgs{
			Name: pulumi.String("management-events"),
			FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.StringArray{pulumi.String("Management")}},
			},
		},
	}
	if len(a.DataBucketArns) > 0 {
		prefixes := pulumi.StringArray{}
		for _, arn := range a.DataBucketArns {
			prefixes = append(prefixes, pulumi.Sprintf("%s/", arn))
		}
		selectors = append(selectors, cloudtrail.TrailAdvancedEventSelectorArgs{
			Name: pulumi.String("s3-data-events"),
			FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.StringArray{pulumi.String("Data")}},
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.type"), Equals: pulumi.StringArray{pulumi.String("AWS::S3::Object")}},
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.ARN"), StartsWiths: prefixes},
			},
		})
	}
	if _, err := cloudtrail.NewTrail(ctx, name, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(n.Name(naming.Generic, "trail")),
		S3BucketName:               a.AuditBucketName,
		S3KeyPrefix:                pulumi.String("cloudtrail"),
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		IsOrganizationTrail:        pulumi.Bool(a.OrganizationTrail),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		KmsKeyId:                   a.LogsKmsKeyArn,
		CloudWatchLogsGroupArn:     pulumi.Sprintf("%s:*", group.Arn),
		CloudWatchLogsRoleArn:      role.Arn,
		AdvancedEventSelectors:     selectors,
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy})); err != nil {
		return pulumi.StringOutput{}, err
	}
	if err := cisAlarms(ctx, name, a, group.Name, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	return group.Name, nil
}

// CISFilter is one CIS AWS Foundations monitoring control: a metric filter
// on the trail's log group and an alarm on any match.
type CISFilter struct {
	Name, Control, Pattern string
}

// CISFilters are the CIS AWS Foundations Benchmark v3.0 section 4 filters.
var CISFilters = []CISFilter{
	{"unauthorized-api-calls", "CIS 4.1", `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`},
	{"console-signin-without-mfa", "CIS 4.2", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"root-usage", "CIS 4.3", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"iam-policy-changes", "CIS 4.4", `{ ($.eventSource = iam.amazonaws.com) && (($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy)) }`},
	{"cloudtrail-changes", "CIS 4.5", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`},
	{"console-auth-failures", "CIS 4.6", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`},
	{"cmk-disable-or-deletion", "CIS 4.7", `{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }`},
	{"s3-bucket-policy-changes", "CIS 4.8", `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`},
	{"config-changes", "CIS 4.9", `{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }`},
	{"security-group-changes", "CIS 4.10", `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`},
	{"nacl-changes", "CIS 4.11", `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`},
	{"network-gateway-changes", "CIS 4.12", `{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`},
	{"route-table-changes", "CIS 4.13", `{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }`},
	{"vpc-changes", "CIS 4.14", `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`},
}

// MetricNamespace holds the security metrics of the filters.
const MetricNamespace = "Platform/Security"

// NewMetricFilterAlarm creates a metric filter on a trail log group and an
// alarm that fires on any match: the shape of every CIS monitoring
// control, and of the break-glass alarm.
func NewMetricFilterAlarm(ctx *pulumi.Context, name, metric, description, pattern string, logGroup, topic pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	if _, err := cloudwatch.NewLogMetricFilter(ctx, name, &cloudwatch.LogMetricFilterArgs{
		Name:         pulumi.String(metric),
		LogGroupName: logGroup,
		Pattern:      pulumi.String(pattern),
		MetricTransformation: cloudwatch.LogMetricFilterMetricTransformationArgs{
			Name: pulumi.String(metric), Namespace: pulumi.String(MetricNamespace), Value: pulumi.String("1"), DefaultValue: pulumi.String("0"),
		},
	}, opts...); err != nil {
		return err
	}
	return observability.NewAlarms(ctx, name, topic, []observability.Alarm{{
		Suffix: "alarm", Description: description, Namespace: MetricNamespace, Metric: metric,
		Statistic: "Sum", Comparison: "GreaterThanOrEqualToThreshold", Threshold: 1, Periods: 1,
	}}, opts...)
}

func cisAlarms(ctx *pulumi.Context, name string, a AuditArgs, group pulumi.StringInput, parent pulumi.ResourceOption) error {
	for _, f := range CISFilters {
		if err := NewMetricFilterAlarm(ctx, name+"-cis-"+f.Name, f.Name, f.Control+": "+f.Name, f.Pattern, group, a.SecurityTopicArn, parent); err != nil {
			return err
		}
	}
	return nil
}

func baseline(ctx *pulumi.Context, name string, a AuditArgs, parent pulumi.ResourceOption) error {
	n := a.Namer
	trust := policydoc.ServiceTrust("config.amazonaws.com", n.AccountID)
	role, err := iam.NewRole(ctx, name+"-config", &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, "config")),
		Description:      pulumi.String("AWS Config recorder"),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-config", &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"),
	}, parent); err != nil {
		return err
	}
	recorder, err := cfg.NewRecorder(ctx, name, &cfg.RecorderArgs{
		Name:    pulumi.String(n.Name(naming.Generic, "config")),
		RoleArn: role.Arn,
		RecordingGroup: cfg.RecorderRecordingGroupArgs{
			AllSupported:               pulumi.Bool(true),
			IncludeGlobalResourceTypes: pulumi.Bool(a.RecordGlobalResources),
		},
	}, parent)
	if err != nil {
		return err
	}
	// No key of its own: the audit bucket's default encryption (the
	// primary region's logs key) applies, which also works when a DR-region
	// recorder delivers across regions.
	channel, err := cfg.NewDeliveryChannel(ctx, name, &cfg.DeliveryChannelArgs{
		Name:         pulumi.String(n.Name(naming.Generic, "config")),
		S3BucketName: a.AuditBucketName,
		S3KeyPrefix:  pulumi.String("config"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{recorder}))
	if err != nil {
		return err
	}
	status, err := cfg.NewRecorderStatus(ctx, name, &cfg.RecorderStatusArgs{
		Name: recorder.Name, IsEnabled: pulumi.Bool(true),
	}, parent, pulumi.DependsOn([]pulumi.Resource{channel}))
	if err != nil {
		return err
	}
	for _, rule := range a.ConfigRules {
		if _, err := cfg.NewRule(ctx, name+"-"+rule, &cfg.RuleArgs{
			Name:   pulumi.String(n.Name(naming.Generic, rule)),
			Source: cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(rule)},
		}, parent, pulumi.DependsOn([]pulumi.Resource{status})); err != nil {
			return err
		}
	}

	hub, err := securityhub.NewAccount(ctx, name, &securityhub.AccountArgs{
		EnableDefaultStandards:  pulumi.Bool(false), // subscribed explicitly below
		AutoEnableControls:      pulumi.Bool(true),
		ControlFindingGenerator: pulumi.String("SECURITY_CONTROL"),
	}, parent)
	if err != nil {
		return err
	}
	for _, key := range []string{"fsbp", "cis", "pci"} {
		if _, err := securityhub.NewStandardsSubscription(ctx, name+"-"+key, &securityhub.StandardsSubscriptionArgs{
			StandardsArn: pulumi.Sprintf("arn:aws:securityhub:%s::%s", n.Region, Standards[key]),
		}, parent, pulumi.DependsOn([]pulumi.Resource{hub})); err != nil {
			return err
		}
	}

	detector, err := guardduty.NewDetector(ctx, name, &guardduty.DetectorArgs{
		Enable:                     pulumi.Bool(true),
		FindingPublishingFrequency: pulumi.String(a.FindingPublishingFrequency),
	}, parent)
	if err != nil {
		return err
	}
	for _, feature := range featureOrder {
		extra := guardduty.DetectorFeatureAdditionalConfigurationArray{}
		for _, c := range Features[feature] {
			extra = append(extra, guardduty.DetectorFeatureAdditionalConfigurationArgs{Name: pulumi.String(c), Status: pulumi.String("ENABLED")})
		}
		args := &guardduty.DetectorFeatureArgs{
			DetectorId: detector.ID().ToStringOutput(), Name: pulumi.String(feature), Status: pulumi.String("ENABLED"),
		}
		if len(extra) > 0 {
			args.AdditionalConfigurations = extra
		}
		if _, err := guardduty.NewDetectorFeature(ctx, name+"-"+feature, args, parent); err != nil {
			return err
		}
	}
	rule, err := cloudwatch.NewEventRule(ctx, name+"-guardduty", &cloudwatch.EventRuleArgs{
		Name:        pulumi.String(n.Name(naming.Generic, "guardduty-findings")),
		Description: pulumi.String("GuardDuty findings of medium severity or higher"),
		EventPattern: pulumi.String(`{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],` +
			`"detail":{"severity":[{"numeric":[">=",4]}]}}`),
	}, parent)
	if err != nil {
		return err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-guardduty", &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: a.SecurityTopicArn,
	}, parent); err != nil {
		return err
	}
	_, err = accessanalyzer.NewAnalyzer(ctx, name, &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(n.Name(naming.Generic, "access-analyzer")),
		Type:         pulumi.String("ACCOUNT"),
	}, parent)
	return err
}
