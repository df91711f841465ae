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
		_, err := NewAlertTopic(ctx, "alerts", &AlertTopicArgs{Namer: plantest.Namer("us-east-1"), KmsKeyArn: pulumi.String(logsKey)}, prov)
		return err
	})
	topic, ok := p.Named("aws:sns/topic:Topic", "alerts")
	require.True(t, ok)
	assert.Equal(t, logsKey, topic.Inputs["kmsMasterKeyId"], "alerts are encrypted at rest")
	assert.Equal(t, "platform-prod-use1-alerts", topic.Inputs["name"])
	pol, ok := p.Named("aws:sns/topicPolicy:TopicPolicy", "alerts")
	require.True(t, ok)
	var doc struct {
		Statement []struct {
			Principal map[string][]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	require.Len(t, doc.Statement, 1)
	assert.ElementsMatch(t, []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"}, doc.Statement[0].Principal["Service"])
	assert.Equal(t, "sns:Publish", doc.Statement[0].Action)
	assert.Equal(t, "111122223333", doc.Statement[0].Condition["StringEquals"]["aws:SourceAccount"], "only this account's alarms and rules")
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
