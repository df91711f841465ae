package logging

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kinesis"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// The EKS control plane writes its audit log to CloudWatch Logs, never to
// a node, so no agent can read it. A subscription filter on the
// cluster's log group sends the audit events to a Firehose stream that
// keeps every one in the Object-Lock audit bucket and, where the stack
// has a search domain, indexes them there too (the bucket then holds
// all documents as Firehose's backup).

// AuditPrefix is where the EKS audit log goes in the audit bucket;
// AuditIndex its index in OpenSearch (rotated daily).
const (
	AuditPrefix = "eks-audit"
	AuditIndex  = "eks-audit"
	// auditEvents matches the API server's audit events only (the log
	// group also holds the authenticator's, the scheduler's, ...).
	auditEvents = `{ $.apiVersion = "audit.k8s.io/v1" }`
)

// AuditExportArgs configure the export of the cluster's audit log.
type AuditExportArgs struct {
	Namer naming.Namer
	// ClusterLogGroupName and ClusterLogGroupArn: the control plane's.
	ClusterLogGroupName, ClusterLogGroupArn pulumi.StringInput
	// AuditBucketArn keeps every event; AuditKmsKeyArn encrypts the
	// stream and the objects.
	AuditBucketArn, AuditKmsKeyArn pulumi.StringInput
	// LogRetentionDays of the stream's own error log (audit: ≥ 365).
	LogRetentionDays      int
	PermissionBoundaryArn pulumi.StringInput
	// Search, when the stack has a domain: the stream delivers from
	// the private subnets (SubnetIDs) of VpcID, through a security group
	// that only reaches VpcCidr on 443.
	Search    *Search
	SubnetIDs pulumi.StringArrayInput
	VpcID     pulumi.StringInput
	VpcCidr   string
}

// Validate reports every problem with its field path.
func (a AuditExportArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.ClusterLogGroupName == nil || a.ClusterLogGroupArn == nil {
		add("clusterLogGroupName, clusterLogGroupArn: the control plane's log group is required")
	}
	if a.AuditBucketArn == nil || a.AuditKmsKeyArn == nil {
		add("auditBucketArn, auditKmsKeyArn: the audit log is kept in the audit bucket under its key")
	}
	if a.LogRetentionDays < 365 {
		add("logRetentionDays: audit logs are kept at least 365 days, got %d", a.LogRetentionDays)
	}
	if a.Search != nil && (a.SubnetIDs == nil || a.VpcID == nil || a.VpcCidr == "" || a.Search.DomainArn == nil) {
		add("search: delivery to the domain needs subnetIds, vpcId, vpcCidr and the domain's arn")
	}
	return errors.Join(errs...)
}

// AuditExport is the audit log's way out of CloudWatch.
type AuditExport struct {
	pulumi.ResourceState

	// StreamArn is the Firehose stream; RoleArn the role it delivers
	// with (the search domain's policy names it).
	StreamArn, RoleArn pulumi.StringOutput
}

// NewAuditExport creates the stream, its roles and log group, and the
// subscription filter.
func NewAuditExport(ctx *pulumi.Context, name string, args *AuditExportArgs, opts ...pulumi.ResourceOption) (*AuditExport, error) {
	if args == nil {
		args = &AuditExportArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("audit export %s: %w", name, err)
	}
	a := *args
	n := a.Namer
	x := &AuditExport{}
	if err := ctx.RegisterComponentResourceV2("platform:logging:AuditExport", name, nil, x, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(x)
	fail := func(err error) (*AuditExport, error) { return nil, fmt.Errorf("audit export %s: %w", name, err) }
	streamName := n.Name(naming.Generic, "eks-audit")

	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(n.Name(naming.LogGroup, "firehose", "eks-audit")),
		KmsKeyId:        a.AuditKmsKeyArn,
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return fail(err)
	}
	if _, err := cloudwatch.NewLogStream(ctx, name+"-errors", &cloudwatch.LogStreamArgs{
		Name: pulumi.String("delivery"), LogGroupName: logs.Name,
	}, parent); err != nil {
		return fail(err)
	}
	role, err := iam.NewRole(ctx, name+"-firehose", &iam.RoleArgs{
		Name:                pulumi.String(n.Name(naming.IAMRole, "eks-audit-firehose")),
		AssumeRolePolicy:    pulumi.String(policydoc.ServiceTrust("firehose.amazonaws.com", n.AccountID).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	domain := pulumi.StringInput(pulumi.String(""))
	if a.Search != nil {
		domain = a.Search.DomainArn
	}
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return firehosePolicy(n, v[0], v[1], v[2], v[3])
	}, a.AuditBucketArn, a.AuditKmsKeyArn, logs.Arn, domain)
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-firehose", &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent)
	if err != nil {
		return fail(err)
	}
	backup := func() kinesis.FirehoseDeliveryStreamOpensearchConfigurationS3ConfigurationArgs {
		return kinesis.FirehoseDeliveryStreamOpensearchConfigurationS3ConfigurationArgs{
			BucketArn: a.AuditBucketArn, RoleArn: role.Arn, Prefix: pulumi.String(AuditPrefix + "/"),
			ErrorOutputPrefix: pulumi.String(AuditPrefix + "-errors/"),
			CompressionFormat: pulumi.String("GZIP"), KmsKeyArn: a.AuditKmsKeyArn,
		}
	}
	enabled, group, stream := pulumi.Bool(true), logs.Name, pulumi.String("delivery")
	// CloudWatch Logs sends gzip'd batches; the stream unpacks them and
	// keeps the events only.
	steps := [][3]string{{"Decompression", "CompressionFormat", "GZIP"}, {"CloudWatchLogProcessing", "DataMessageExtraction", "true"}}
	args2 := &kinesis.FirehoseDeliveryStreamArgs{
		Name: pulumi.String(streamName),
		ServerSideEncryption: &kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs{
			Enabled: pulumi.Bool(true), KeyType: pulumi.String("CUSTOMER_MANAGED_CMK"), KeyArn: a.AuditKmsKeyArn,
		},
	}
	deps := []pulumi.Resource{rolePolicy}
	if a.Search != nil {
		sg, err := ec2.NewSecurityGroup(ctx, name+"-firehose", &ec2.SecurityGroupArgs{
			VpcId:       a.VpcID,
			Name:        pulumi.String(n.Name(naming.Generic, "eks-audit-firehose")),
			Description: pulumi.String("Firehose delivery of the EKS audit log to the search domain"),
			Ingress:     ec2.SecurityGroupIngressArray{},
			Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
				Description: pulumi.String("HTTPS to the search domain inside the VPC"),
				Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
				CidrBlocks: pulumi.StringArray{pulumi.String(a.VpcCidr)},
			}},
		}, parent)
		if err != nil {
			return fail(err)
		}
		var procs kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorArray
		for _, st := range steps {
			procs = append(procs, kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorArgs{
				Type: pulumi.String(st[0]),
				Parameters: kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorParameterArray{
					kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorParameterArgs{ParameterName: pulumi.String(st[1]), ParameterValue: pulumi.String(st[2])},
				},
			})
		}
		args2.Destination = pulumi.String("opensearch")
		args2.OpensearchConfiguration = &kinesis.FirehoseDeliveryStreamOpensearchConfigurationArgs{
			DomainArn: a.Search.DomainArn, IndexName: pulumi.String(AuditIndex), IndexRotationPeriod: pulumi.String("OneDay"),
			RoleArn: role.Arn, RetryDuration: pulumi.Int(7200),
			// Every event also lands in the audit bucket, delivered or not.
			S3BackupMode:            pulumi.String("AllDocuments"),
			S3Configuration:         backup(),
			ProcessingConfiguration: &kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationArgs{Enabled: pulumi.Bool(true), Processors: procs},
			VpcConfig: &kinesis.FirehoseDeliveryStreamOpensearchConfigurationVpcConfigArgs{
				RoleArn: role.Arn, SubnetIds: a.SubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID().ToStringOutput()},
			},
			CloudwatchLoggingOptions: &kinesis.FirehoseDeliveryStreamOpensearchConfigurationCloudwatchLoggingOptionsArgs{
				Enabled: enabled, LogGroupName: group, LogStreamName: stream,
			},
		}
	} else {
		s3 := backup()
		var procs kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArray
		for _, st := range steps {
			procs = append(procs, kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorArgs{
				Type: pulumi.String(st[0]),
				Parameters: kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArray{
					kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationProcessorParameterArgs{ParameterName: pulumi.String(st[1]), ParameterValue: pulumi.String(st[2])},
				},
			})
		}
		args2.Destination = pulumi.String("extended_s3")
		args2.ExtendedS3Configuration = &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs{
			BucketArn: s3.BucketArn, RoleArn: s3.RoleArn, Prefix: s3.Prefix, ErrorOutputPrefix: s3.ErrorOutputPrefix,
			CompressionFormat: s3.CompressionFormat, KmsKeyArn: s3.KmsKeyArn,
			BufferingInterval: pulumi.Int(300), BufferingSize: pulumi.Int(64),
			ProcessingConfiguration: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfigurationArgs{
				Enabled: pulumi.Bool(true), Processors: procs,
			},
			CloudwatchLoggingOptions: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs{
				Enabled: enabled, LogGroupName: group, LogStreamName: stream,
			},
		}
	}
	firehose, err := kinesis.NewFirehoseDeliveryStream(ctx, name, args2, parent, pulumi.DependsOn(deps))
	if err != nil {
		return fail(err)
	}
	// CloudWatch Logs puts records with a role of its own.
	logsRole, err := iam.NewRole(ctx, name+"-logs", &iam.RoleArgs{
		Name:                pulumi.String(n.Name(naming.IAMRole, "eks-audit-subscription")),
		AssumeRolePolicy:    pulumi.String(policydoc.ServiceTrust("logs."+n.Region+".amazonaws.com", n.AccountID).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	logsPolicy, err := iam.NewRolePolicy(ctx, name+"-logs", &iam.RolePolicyArgs{
		Role: logsRole.Name,
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return policydoc.New(policydoc.Statement{Sid: "PutAuditEvents", Effect: policydoc.Allow, Action: []string{"firehose:PutRecord", "firehose:PutRecordBatch"}, Resource: v[0]})
		}, firehose.Arn),
	}, parent)
	if err != nil {
		return fail(err)
	}
	if _, err := cloudwatch.NewLogSubscriptionFilter(ctx, name, &cloudwatch.LogSubscriptionFilterArgs{
		Name:           pulumi.String("eks-audit-to-firehose"),
		LogGroup:       a.ClusterLogGroupName,
		FilterPattern:  pulumi.String(auditEvents),
		DestinationArn: firehose.Arn,
		RoleArn:        logsRole.Arn,
	}, parent, pulumi.DependsOn([]pulumi.Resource{logsPolicy})); err != nil {
		return fail(err)
	}
	x.StreamArn, x.RoleArn = firehose.Arn, role.Arn
	return x, ctx.RegisterResourceOutputs(x, pulumi.Map{"streamArn": firehose.Arn})
}

// firehosePolicy: write the audit prefixes, use the key through S3 and
// Firehose, log delivery errors, and, with a domain, index and manage its
// network interfaces in the VPC (EC2 has no resource-level permissions
// for Describe*).
func firehosePolicy(n naming.Namer, bucket, key, logGroup, domain string) policydoc.Document {
	statements := []policydoc.Statement{
		{Sid: "Bucket", Effect: policydoc.Allow, Action: []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"}, Resource: bucket},
		{Sid: "AuditObjects", Effect: policydoc.Allow, Action: []string{"s3:PutObject", "s3:AbortMultipartUpload"}, Resource: []string{
			bucket + "/" + AuditPrefix + "/*", bucket + "/" + AuditPrefix + "-errors/*",
		}},
		{Sid: "Key", Effect: policydoc.Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: key, Condition: policydoc.Conditions{
			"StringEquals": {"kms:ViaService": []string{"s3." + n.Region + ".amazonaws.com", "firehose." + n.Region + ".amazonaws.com"}},
		}},
		{Sid: "DeliveryErrors", Effect: policydoc.Allow, Action: "logs:PutLogEvents", Resource: logGroup + ":log-stream:*"},
	}
	if domain != "" {
		statements = append(statements,
			policydoc.Statement{Sid: "Domain", Effect: policydoc.Allow, Action: []string{"es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig"}, Resource: []string{domain, domain + "/*"}},
			policydoc.Statement{Sid: "AuditIndex", Effect: policydoc.Allow, Action: []string{"es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"}, Resource: []string{
				domain + "/_bulk", domain + "/" + AuditIndex + "*", domain + "/_all/_settings", domain + "/_cluster/stats", domain + "/" + AuditIndex + "*/_mapping/*", domain + "/_nodes", domain + "/_nodes/stats", domain + "/_nodes/*/stats", domain + "/_stats",
			}},
			policydoc.Statement{Sid: "VpcDelivery", Effect: policydoc.Allow, Resource: "*", Action: []string{
				"ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
				"ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
			}},
		)
	}
	return policydoc.New(statements...)
}
