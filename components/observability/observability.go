// Package observability owns the platform's alerting plumbing: the
// KMS-encrypted SNS topic every CloudWatch alarm, budget and cost anomaly
// alert of the platform publishes to (paging subscribes to it in a later
// layer), and the alarm helper the data-tier components share.
package observability

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// AlertTopicArgs configure the alert topic.
type AlertTopicArgs struct {
	// Namer names the topic and gives the account for the topic policy.
	Namer naming.Namer
	// KmsKeyArn encrypts messages at rest (the logs key, whose policy lets
	// CloudWatch use it).
	KmsKeyArn pulumi.StringInput
}

// Validate reports every problem of the args.
func (a AlertTopicArgs) Validate() error {
	var errs []error
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		errs = append(errs, errors.New("namer: account id and region are required"))
	}
	if a.KmsKeyArn == nil {
		errs = append(errs, errors.New("kmsKeyArn: is required: alerts can carry resource names and are encrypted"))
	}
	return errors.Join(errs...)
}

// AlertTopic is the SNS topic alarms publish to.
type AlertTopic struct {
	pulumi.ResourceState

	// Arn is what alarms name in alarmActions and okActions.
	Arn pulumi.StringOutput
}

// NewAlertTopic creates the encrypted topic and a policy that lets only
// services of this account publish: CloudWatch alarms, EventBridge rules,
// AWS Budgets and Cost Anomaly Detection (components/finops).
func NewAlertTopic(ctx *pulumi.Context, name string, args *AlertTopicArgs, opts ...pulumi.ResourceOption) (*AlertTopic, error) {
	if args == nil {
		args = &AlertTopicArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("observability %s: %w", name, err)
	}
	t := &AlertTopic{}
	if err := ctx.RegisterComponentResourceV2("platform:observability:AlertTopic", name, pulumi.Map{}, t, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(t)
	n := args.Namer
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		Name:           pulumi.String(n.Name(naming.Generic, name)),
		KmsMasterKeyId: args.KmsKeyArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("observability %s: %w", name, err)
	}
	policy, err := sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document { return TopicPolicy(n, v[0]) }, topic.Arn),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("observability %s: %w", name, err)
	}
	// The ARN carries the policy as a dependency, so that whatever names
	// the topic waits for the policy: AWS Budgets and Cost Anomaly
	// Detection check that they may publish when a budget or subscription
	// is created. It still points at the topic itself.
	t.Arn = pulumi.All(topic.Arn, policy.Arn).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{"arn": t.Arn}); err != nil {
		return nil, err
	}
	return t, nil
}

// TopicPolicy lets the publishing services of this account, and only of
// this account, publish to the topic. AWS Budgets is also pinned to
// budgets of this account by source ARN, as its documentation recommends
// ("Creating an Amazon SNS topic for budget notifications").
func TopicPolicy(n naming.Namer, topicArn string) policydoc.Document {
	thisAccount := policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}}
	return policydoc.New(
		policydoc.Statement{
			Sid:       "AllowAlarmsOfThisAccount",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("cloudwatch.amazonaws.com", "events.amazonaws.com"),
			Action:    "sns:Publish",
			Resource:  topicArn,
			Condition: thisAccount,
		},
		policydoc.Statement{
			Sid:       "AllowBudgetsOfThisAccount",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("budgets.amazonaws.com"),
			Action:    "sns:Publish",
			Resource:  topicArn,
			Condition: policydoc.Conditions{
				"StringEquals": {"aws:SourceAccount": n.AccountID},
				"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:%s:budgets::%s:*", naming.Partition, n.AccountID)},
			},
		},
		policydoc.Statement{
			Sid:       "AllowCostAnomalyDetectionOfThisAccount",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("costalerts.amazonaws.com"),
			Action:    "sns:Publish",
			Resource:  topicArn,
			Condition: thisAccount,
		},
	)
}

// Alarm is one CloudWatch metric alarm of a component.
type Alarm struct {
	// Suffix is appended to the component name for the logical name.
	Suffix      string
	Description string
	Namespace   string
	Metric      string
	Statistic   string
	Comparison  string
	Threshold   float64
	// Periods of 60 seconds that must breach.
	Periods    int
	Dimensions map[string]pulumi.StringInput
}

// NewAlarms creates the alarms, each notifying topicArn on alarm and on
// recovery. Missing data is not breaching, so a stopped replica does not
// page as a lag.
func NewAlarms(ctx *pulumi.Context, name string, topicArn pulumi.StringInput, alarms []Alarm, opts ...pulumi.ResourceOption) error {
	for _, a := range alarms {
		dims := pulumi.StringMap{}
		for k, v := range a.Dimensions {
			dims[k] = v
		}
		periods := a.Periods
		if periods == 0 {
			periods = 5
		}
		if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+a.Suffix, &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(a.Description),
			Namespace:          pulumi.String(a.Namespace),
			MetricName:         pulumi.String(a.Metric),
			Statistic:          pulumi.String(a.Statistic),
			ComparisonOperator: pulumi.String(a.Comparison),
			Threshold:          pulumi.Float64(a.Threshold),
			Period:             pulumi.Int(60),
			EvaluationPeriods:  pulumi.Int(periods),
			Dimensions:         dims,
			TreatMissingData:   pulumi.String("notBreaching"),
			AlarmActions:       pulumi.Array{topicArn},
			OkActions:          pulumi.Array{topicArn},
		}, opts...); err != nil {
			return err
		}
	}
	return nil
}
