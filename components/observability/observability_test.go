package observability

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plantest"
)

const logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

func TestAlertTopic(t *testing.T) {
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		topic, err := NewAlertTopic(ctx, "alerts", &AlertTopicArgs{Namer: plantest.Namer("us-east-1"), KmsKeyArn: pulumi.String(logsKey)}, prov)
		if err != nil {
			return err
		}
		return NewAlarms(ctx, "db", topic.Arn, []Alarm{{Suffix: "cpu", Namespace: "AWS/RDS", Metric: "CPUUtilization",
			Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: 80}}, prov)
	})
	topic, ok := p.Named("aws:sns/topic:Topic", "alerts")
	require.True(t, ok)
	assert.Equal(t, logsKey, topic.Inputs["kmsMasterKeyId"], "alerts are encrypted at rest")
	assert.Equal(t, "platform-prod-use1-alerts", topic.Inputs["name"])
	pol, ok := p.Named("aws:sns/topicPolicy:TopicPolicy", "alerts")
	require.True(t, ok)
	var doc struct {
		Statement []struct {
			Sid       string
			Principal map[string]any
			Action    string
			Resource  string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	require.Len(t, doc.Statement, 3)
	arn := "arn:aws:sns:us-east-1:111122223333:platform-prod-use1-alerts"
	for _, st := range doc.Statement {
		assert.Equal(t, "sns:Publish", st.Action, st.Sid)
		assert.Equal(t, arn, st.Resource, st.Sid)
		assert.Equal(t, "111122223333", st.Condition["StringEquals"]["aws:SourceAccount"], "%s: only this account's publishers", st.Sid)
	}
	alarms, budgets, anomalies := doc.Statement[0], doc.Statement[1], doc.Statement[2]
	assert.Equal(t, []any{"cloudwatch.amazonaws.com", "events.amazonaws.com"}, alarms.Principal["Service"])
	assert.Equal(t, "budgets.amazonaws.com", budgets.Principal["Service"])
	assert.Equal(t, "arn:aws:budgets::111122223333:*", budgets.Condition["ArnLike"]["aws:SourceArn"], "only this account's budgets")
	assert.Equal(t, "costalerts.amazonaws.com", anomalies.Principal["Service"])
	assert.Len(t, anomalies.Condition, 1)

	// Publishers name the topic through the policy, so they are created
	// after AWS lets them publish.
	alarm := plantest.Named(t, p, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu")
	assert.Equal(t, []any{arn}, alarm.Inputs["alarmActions"])
	assert.ElementsMatch(t, []string{topic.URN, pol.URN}, alarm.PropertyDependencies["alarmActions"],
		"the alarm points at the topic and waits for its policy")
}

func TestAlarms(t *testing.T) {
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		return NewAlarms(ctx, "db", pulumi.String("topic"), []Alarm{
			{Suffix: "cpu", Description: "cpu", Namespace: "AWS/RDS", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: 80},
			{Suffix: "lag", Description: "lag", Namespace: "AWS/RDS", Metric: "ReplicaLag", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Threshold: 300, Periods: 3,
				Dimensions: map[string]pulumi.StringInput{"DBInstanceIdentifier": pulumi.String("db")}},
		}, prov)
	})
	cpu, ok := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu")
	require.True(t, ok)
	assert.Equal(t, 5.0, cpu.Inputs["evaluationPeriods"], "five minutes by default")
	assert.Equal(t, 60.0, cpu.Inputs["period"])
	assert.Equal(t, "notBreaching", cpu.Inputs["treatMissingData"])
	assert.Equal(t, []any{"topic"}, cpu.Inputs["alarmActions"])
	assert.Equal(t, []any{"topic"}, cpu.Inputs["okActions"], "recovery is announced too")
	lag, _ := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-lag")
	assert.Equal(t, 3.0, lag.Inputs["evaluationPeriods"])
	assert.Equal(t, map[string]any{"DBInstanceIdentifier": "db"}, lag.Inputs["dimensions"])
}

func TestAlertTopicValidation(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewAlertTopic(ctx, "alerts", &AlertTopicArgs{})
		return err
	}, "namer: account id and region are required", "kmsKeyArn: is required")
}
