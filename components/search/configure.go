package search

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// The domain's security configuration as code: fine-grained access
// control keeps roles, role mappings and its audit settings inside the
// domain, and the index lifecycle is an OpenSearch object too; no AWS API
// reaches them. A Lambda function (configure.py) that is the domain's
// master user writes them, invoked by Pulumi on every change of what it
// writes. Its role exists before the domain, which names it as master.

//go:embed configure.py
var configurator string

// ConfiguratorRoleArgs configure the master user's role.
type ConfiguratorRoleArgs struct {
	Namer                 naming.Namer
	PermissionBoundaryArn pulumi.StringInput
}

// NewConfiguratorRole creates the role the configurator runs as, with no
// permission yet (NewSecurityConfig adds them): the domain's master user.
func NewConfiguratorRole(ctx *pulumi.Context, name string, args *ConfiguratorRoleArgs, opts ...pulumi.ResourceOption) (*iam.Role, error) {
	if args == nil || args.Namer.AccountID == "" || args.PermissionBoundaryArn == nil {
		return nil, fmt.Errorf("search %s: namer and permissionBoundaryArn are required", name)
	}
	n := args.Namer
	return iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:                pulumi.String(n.Name(naming.IAMRole, name)),
		Description:         pulumi.String("OpenSearch master user: writes the domain's security configuration and index policy (components/search)"),
		AssumeRolePolicy:    pulumi.String(policydoc.ServiceTrust("lambda.amazonaws.com", n.AccountID).JSON()),
		PermissionsBoundary: args.PermissionBoundaryArn,
	}, opts...)
}

// SecurityConfigArgs configure what the configurator writes.
type SecurityConfigArgs struct {
	Namer naming.Namer
	// Role is NewConfiguratorRole's, the domain's master user.
	Role *iam.Role
	// Domain is the domain to configure (its access policy must admit
	// Role: NewDomain's MasterRoleArn).
	Domain *Domain
	// IndexPatterns the writers write and the auditors read.
	IndexPatterns []string
	// AdminRoleArns get all_access; WriterRoleArns and ReaderRoleArns the
	// platform's writer and auditor roles.
	AdminRoleArns, WriterRoleArns, ReaderRoleArns []pulumi.StringInput
	// SubnetIDs, VpcID and VpcCidr: the function runs in the VPC and
	// reaches the domain only.
	SubnetIDs pulumi.StringArrayInput
	VpcID     pulumi.StringInput
	VpcCidr   string
	// LogsKmsKeyArn and LogRetentionDays: its log group.
	LogsKmsKeyArn    pulumi.StringInput
	LogRetentionDays int
	// DependsOn: the domain's access policy.
	DependsOn []pulumi.Resource
}

// Validate reports every problem with its field path.
func (a SecurityConfigArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.Role == nil || a.Domain == nil {
		add("role, domain: the configurator's role and the domain are required")
	}
	if len(a.IndexPatterns) == 0 {
		add("indexPatterns: name the indices the writers write")
	}
	if len(a.AdminRoleArns) == 0 || len(a.WriterRoleArns) == 0 {
		add("adminRoleArns, writerRoleArns: at least one of each")
	}
	if a.SubnetIDs == nil || a.VpcID == nil || a.VpcCidr == "" {
		add("subnetIds, vpcId, vpcCidr: the function runs in the domain's VPC")
	}
	if a.LogsKmsKeyArn == nil || a.LogRetentionDays < 365 {
		add("logsKmsKeyArn, logRetentionDays: its log is audit evidence: encrypted, kept at least 365 days")
	}
	return errors.Join(errs...)
}

// NewSecurityConfig creates the configurator function and invokes it with
// the domain's configuration. The invocation reruns when the
// configuration or the function's code changes.
func NewSecurityConfig(ctx *pulumi.Context, name string, args *SecurityConfigArgs, opts ...pulumi.ResourceOption) error {
	if args == nil {
		args = &SecurityConfigArgs{}
	}
	if err := args.Validate(); err != nil {
		return fmt.Errorf("search %s: %w", name, err)
	}
	a := *args
	n := a.Namer
	c := &struct{ pulumi.ResourceState }{}
	if err := ctx.RegisterComponentResourceV2("platform:search:SecurityConfig", name, nil, c, opts...); err != nil {
		return err
	}
	parent := pulumi.Parent(c)
	fn := n.Name(naming.Generic, name)
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fn),
		KmsKeyId:        a.LogsKmsKeyArn,
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return err
	}
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return policydoc.New(
			policydoc.Statement{Sid: "Logs", Effect: policydoc.Allow, Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: v[0] + ":*"},
			policydoc.Statement{Sid: "Domain", Effect: policydoc.Allow, Action: []string{"es:ESHttpGet", "es:ESHttpPut"}, Resource: v[1] + "/*"},
			// A function in a VPC manages its network interfaces; EC2 has
			// no resource-level permissions for these.
			policydoc.Statement{Sid: "VpcNetworkInterfaces", Effect: policydoc.Allow, Resource: "*", Action: []string{
				"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
				"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
			}},
		)
	}, logs.Arn, a.Domain.Arn)
	rolePolicy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: a.Role.Name, Policy: policy}, parent)
	if err != nil {
		return err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Name:        pulumi.String(n.Name(naming.Generic, name)),
		Description: pulumi.String("OpenSearch configurator: HTTPS to the domain inside the VPC only"),
		Ingress:     ec2.SecurityGroupIngressArray{},
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("HTTPS to the OpenSearch domain in the VPC"),
			Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(Port), ToPort: pulumi.Int(Port),
			CidrBlocks: pulumi.StringArray{pulumi.String(a.VpcCidr)},
		}},
	}, parent)
	if err != nil {
		return err
	}
	function, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:          pulumi.String(fn),
		Description:   pulumi.String("Writes the OpenSearch domain's roles, mappings, audit settings and index policy (components/search)"),
		Runtime:       lambda.RuntimePython3d13,
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Handler:       pulumi.String("configure.handler"),
		Code:          pulumi.NewAssetArchive(map[string]any{"configure.py": pulumi.NewStringAsset(configurator)}),
		Role:          a.Role.Arn,
		Timeout:       pulumi.Int(120),
		MemorySize:    pulumi.Int(128),
		// Only Pulumi invokes it, one deploy at a time.
		ReservedConcurrentExecutions: pulumi.Int(1),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds: a.SubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID().ToStringOutput()},
		},
		TracingConfig: &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy, logs}))
	if err != nil {
		return err
	}
	roles := func(in []pulumi.StringInput) pulumi.StringArray {
		out := pulumi.StringArray{}
		for _, r := range in {
			out = append(out, r)
		}
		return out
	}
	var ism map[string]any
	if err := json.Unmarshal([]byte(a.Domain.IndexPolicy), &ism); err != nil {
		return fmt.Errorf("search %s: the domain's index policy: %w", name, err)
	}
	event := pulumi.All(a.Domain.Endpoint, a.Role.Arn, roles(a.AdminRoleArns), roles(a.WriterRoleArns), roles(a.ReaderRoleArns)).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]any{
			"endpoint": v[0], "configuratorRoleArn": v[1],
			"adminRoleArns": v[2], "writerRoleArns": v[3], "readerRoleArns": v[4],
			"indexPatterns": a.IndexPatterns, "ismPolicy": ism,
		})
		return string(b), err
	}).(pulumi.StringOutput)
	code := sha256.Sum256([]byte(configurator))
	if _, err := lambda.NewInvocation(ctx, name, &lambda.InvocationArgs{
		FunctionName: function.Name,
		Input:        event,
		// A new configuration or a new configurator applies it again.
		Triggers: pulumi.StringMap{
			"configuration": event.ApplyT(func(e string) string { h := sha256.Sum256([]byte(e)); return hex.EncodeToString(h[:]) }).(pulumi.StringOutput),
			"code":          pulumi.String(hex.EncodeToString(code[:])),
		},
	}, parent, pulumi.DependsOn(append([]pulumi.Resource{function}, a.DependsOn...))); err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(c, pulumi.Map{"functionName": pulumi.String(fn)})
}
