// Package paging sends what the platform's SNS alert topics carry (the
// CloudWatch alarms of the data tier and the audit layer, GuardDuty and
// Security Hub findings) to the same PagerDuty service Alertmanager
// pages, so that one on-call sees everything. A small Lambda function
// (forwarder.py) subscribed to each topic turns messages into Events API
// v2 events; it reads the routing key from Secrets Manager at run time,
// so the key is never in config, state or the function's settings.
// Events it cannot deliver after Lambda's retries stay in an encrypted
// dead-letter queue.
package paging

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

//go:embed forwarder.py
var forwarder string

// Topic is an alert topic to forward, by a name for its subscription.
// A Ticket topic's alarms open tickets (the ticket routing key, severity
// warning) instead of paging.
type Topic struct {
	Name   string
	Arn    pulumi.StringInput
	Ticket bool
}

// PagingArgs configure the forwarder of one region.
type PagingArgs struct {
	Namer naming.Namer
	// Topics are the alert topics to forward.
	Topics []Topic
	// RoutingKeySecret is the Secrets Manager secret holding the routing
	// keys as JSON {"page": ..., "ticket": ...} (Alertmanager's), in this
	// region.
	RoutingKeySecret string
	// SecretsKeyArn decrypts it; LogsKeyArn encrypts the logs and the
	// dead-letter queue.
	SecretsKeyArn, LogsKeyArn pulumi.StringInput
	LogRetentionDays          int
	// PermissionBoundaryArn bounds the function's role.
	PermissionBoundaryArn pulumi.StringInput
}

// Validate reports every problem with its field path.
func (a PagingArgs) Validate() error {
	var errs []error
	if len(a.Topics) == 0 {
		errs = append(errs, errors.New("topics: name the alert topics to forward"))
	}
	seen := map[string]bool{}
	for i, t := range a.Topics {
		if t.Name == "" || seen[t.Name] || t.Arn == nil {
			errs = append(errs, fmt.Errorf("topics[%d]: a unique name and an ARN", i))
		}
		seen[t.Name] = true
	}
	if a.RoutingKeySecret == "" {
		errs = append(errs, errors.New("routingKeySecret: pages need the PagerDuty routing key's secret"))
	}
	if a.SecretsKeyArn == nil || a.LogsKeyArn == nil {
		errs = append(errs, errors.New("secretsKeyArn, logsKeyArn: are required"))
	}
	if a.LogRetentionDays < 365 {
		errs = append(errs, fmt.Errorf("logRetentionDays: at least 365 (paging is audit evidence), got %d", a.LogRetentionDays))
	}
	return errors.Join(errs...)
}

// Paging is the forwarder of one region.
type Paging struct {
	pulumi.ResourceState

	FunctionArn pulumi.StringOutput
}

// NewPaging creates the forwarder and subscribes it to every topic.
func NewPaging(ctx *pulumi.Context, name string, args *PagingArgs, opts ...pulumi.ResourceOption) (*Paging, error) {
	if args == nil {
		args = &PagingArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("paging %s: %w", name, err)
	}
	a := *args
	p := &Paging{}
	if err := ctx.RegisterComponentResourceV2("platform:paging:Paging", name, nil, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	fail := func(err error) (*Paging, error) { return nil, fmt.Errorf("paging %s: %w", name, err) }
	n := a.Namer
	fn := n.Name(naming.IAMRole, "pager") // also the function's name (64 characters at most)

	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name: pulumi.String("/aws/lambda/" + fn), RetentionInDays: pulumi.Int(a.LogRetentionDays), KmsKeyId: a.LogsKeyArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	dlq, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name:                    pulumi.String(fn + "-dlq"),
		KmsMasterKeyId:          a.LogsKeyArn,
		MessageRetentionSeconds: pulumi.Int(14 * 24 * 3600),
	}, parent)
	if err != nil {
		return fail(err)
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:                pulumi.String(fn),
		AssumeRolePolicy:    pulumi.String(policydoc.ServiceTrust("lambda.amazonaws.com", n.AccountID).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	secretArn := n.ARN("secretsmanager", "secret:"+a.RoutingKeySecret+"-*")
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return policydoc.New(
			policydoc.Statement{Sid: "Logs", Effect: policydoc.Allow, Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: v[0] + ":*"},
			policydoc.Statement{Sid: "RoutingKey", Effect: policydoc.Allow, Action: "secretsmanager:GetSecretValue", Resource: secretArn},
			policydoc.Statement{Sid: "DecryptRoutingKey", Effect: policydoc.Allow, Action: "kms:Decrypt", Resource: v[1],
				Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "secretsmanager." + n.Region + ".amazonaws.com"}}},
			policydoc.Statement{Sid: "DeadLetters", Effect: policydoc.Allow, Action: "sqs:SendMessage", Resource: v[2]},
			policydoc.Statement{Sid: "EncryptDeadLetters", Effect: policydoc.Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: v[3],
				Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "sqs." + n.Region + ".amazonaws.com"}}},
			policydoc.Statement{Sid: "Tracing", Effect: policydoc.Allow, Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: "*"},
		)
	}, logs.Arn, a.SecretsKeyArn, dlq.Arn, a.LogsKeyArn)
	rolePolicy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent)
	if err != nil {
		return fail(err)
	}
	function, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:          pulumi.String(fn),
		Description:   pulumi.String("Forwards the alert topics to PagerDuty (components/paging)"),
		Runtime:       lambda.RuntimePython3d13,
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Handler:       pulumi.String("forwarder.handler"),
		Code:          pulumi.NewAssetArchive(map[string]any{"forwarder.py": pulumi.NewStringAsset(forwarder)}),
		Role:          role.Arn,
		Timeout:       pulumi.Int(30),
		MemorySize:    pulumi.Int(128),
		// A page storm must not exhaust the account's concurrency.
		ReservedConcurrentExecutions: pulumi.Int(5),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			// The secret's name, not its value.
			"ROUTING_KEY_SECRET": pulumi.String(a.RoutingKeySecret),
			"SEVERITY":           pulumi.String("critical"),
			"TICKET_TOPICS":      ticketTopics(a.Topics),
		}},
		DeadLetterConfig: &lambda.FunctionDeadLetterConfigArgs{TargetArn: dlq.Arn},
		TracingConfig:    &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig:    &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy, logs}))
	if err != nil {
		return fail(err)
	}
	for _, t := range a.Topics {
		perm, err := lambda.NewPermission(ctx, name+"-"+t.Name, &lambda.PermissionArgs{
			Action: pulumi.String("lambda:InvokeFunction"), Function: function.Name,
			Principal: pulumi.String("sns.amazonaws.com"), SourceArn: t.Arn,
		}, parent)
		if err != nil {
			return fail(err)
		}
		if _, err := sns.NewTopicSubscription(ctx, name+"-"+t.Name, &sns.TopicSubscriptionArgs{
			Topic: t.Arn, Protocol: pulumi.String("lambda"), Endpoint: function.Arn,
		}, parent, pulumi.DependsOn([]pulumi.Resource{perm})); err != nil {
			return fail(err)
		}
	}
	p.FunctionArn = function.Arn
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"functionArn": function.Arn})
}

// ticketTopics are the ticket topics' ARNs, comma-separated.
func ticketTopics(topics []Topic) pulumi.StringOutput {
	var arns []any
	for _, t := range topics {
		if t.Ticket {
			arns = append(arns, t.Arn)
		}
	}
	return pulumi.All(arns...).ApplyT(func(v []any) string {
		s := make([]string, len(v))
		for i, a := range v {
			s[i] = a.(string)
		}
		return strings.Join(s, ",")
	}).(pulumi.StringOutput)
}
