package paging

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/internal/policydoc"
)

func baseArgs() *PagingArgs {
	return &PagingArgs{
		Namer: plantest.Namer("us-east-1"),
		Topics: []Topic{
			{Name: "alerts", Arn: pulumi.String("arn:aws:sns:us-east-1:111122223333:alerts")},
			{Name: "security", Arn: pulumi.String("arn:aws:sns:us-east-1:111122223333:security")},
			{Name: "tickets", Arn: pulumi.String("arn:aws:sns:us-east-1:111122223333:tickets"), Ticket: true},
		},
		RoutingKeySecret: "platform/prod/pagerduty",
		SecretsKeyArn:    pulumi.String("arn:aws:kms:us-east-1:111122223333:key/secrets"),
		LogsKeyArn:       pulumi.String("arn:aws:kms:us-east-1:111122223333:key/logs"),
		LogRetentionDays: 365,
	}
}

func planPaging(t *testing.T, mutate func(*PagingArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewPaging(ctx, "paging", args, prov)
		return err
	})
}

func TestPagingChildren(t *testing.T) {
	p := planPaging(t, nil)
	assert.Equal(t, map[string]int{
		"aws:cloudwatch/logGroup:LogGroup":            1,
		"aws:sqs/queue:Queue":                         1,
		"aws:iam/role:Role":                           1,
		"aws:iam/rolePolicy:RolePolicy":               1,
		"aws:lambda/function:Function":                1,
		"aws:lambda/permission:Permission":            3,
		"aws:sns/topicSubscription:TopicSubscription": 3,
	}, p.ChildTypes("platform:paging:Paging", "paging"))
}

func TestForwarderFunction(t *testing.T) {
	p := planPaging(t, nil)
	fn, ok := p.Named("aws:lambda/function:Function", "paging")
	require.True(t, ok)
	assert.Equal(t, "python3.13", fn.Inputs["runtime"])
	assert.Equal(t, "forwarder.handler", fn.Inputs["handler"])
	assert.Equal(t, 5.0, fn.Inputs["reservedConcurrentExecutions"], "a page storm cannot take the account's concurrency")
	assert.Equal(t, map[string]any{
		"ROUTING_KEY_SECRET": "platform/prod/pagerduty", "SEVERITY": "critical",
		"TICKET_TOPICS": "arn:aws:sns:us-east-1:111122223333:tickets",
	}, plantest.Input(fn, "environment", "variables"), "the secret's name, never its value; the ticket topics by ARN")
	assert.Equal(t, "Active", plantest.Input(fn, "tracingConfig", "mode"))
	assert.NotNil(t, plantest.Input(fn, "deadLetterConfig", "targetArn"), "undeliverable events are kept")

	logs, _ := p.Named("aws:cloudwatch/logGroup:LogGroup", "paging")
	assert.Equal(t, 365.0, logs.Inputs["retentionInDays"])
	assert.Equal(t, "arn:aws:kms:us-east-1:111122223333:key/logs", logs.Inputs["kmsKeyId"])
	dlq, _ := p.Named("aws:sqs/queue:Queue", "paging-dlq")
	assert.Equal(t, "arn:aws:kms:us-east-1:111122223333:key/logs", dlq.Inputs["kmsMasterKeyId"], "the dead letters are encrypted")

	// Each topic invokes it, and only SNS from that topic may.
	for _, topic := range []string{"alerts", "security"} {
		sub, ok := p.Named("aws:sns/topicSubscription:TopicSubscription", "paging-"+topic)
		require.True(t, ok)
		assert.Equal(t, "lambda", sub.Inputs["protocol"])
		assert.Equal(t, "arn:aws:sns:us-east-1:111122223333:"+topic, sub.Inputs["topic"])
		perm, _ := p.Named("aws:lambda/permission:Permission", "paging-"+topic)
		assert.Equal(t, "sns.amazonaws.com", perm.Inputs["principal"])
		assert.Equal(t, "arn:aws:sns:us-east-1:111122223333:"+topic, perm.Inputs["sourceArn"])
	}

	// Least privilege: the one secret, decrypted only through Secrets
	// Manager.
	rp, _ := p.Named("aws:iam/rolePolicy:RolePolicy", "paging")
	var doc policydoc.Document
	require.NoError(t, json.Unmarshal([]byte(rp.Inputs["policy"].(string)), &doc))
	byID := map[string]policydoc.Statement{}
	for _, s := range doc.Statement {
		byID[s.Sid] = s
	}
	assert.Equal(t, "arn:aws:secretsmanager:us-east-1:111122223333:secret:platform/prod/pagerduty-*", byID["RoutingKey"].Resource)
	assert.Equal(t, "secretsmanager.us-east-1.amazonaws.com", byID["DecryptRoutingKey"].Condition["StringEquals"]["kms:ViaService"])
	role, _ := p.Named("aws:iam/role:Role", "paging")
	assert.Contains(t, role.Inputs["assumeRolePolicy"], `"Service":"lambda.amazonaws.com"`)
}

func TestInvalidPagingArgs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*PagingArgs)
		want   string
	}{
		{"no topics", func(a *PagingArgs) { a.Topics = nil }, "topics: name the alert topics to forward"},
		{"no secret", func(a *PagingArgs) { a.RoutingKeySecret = "" }, "routingKeySecret: pages need the PagerDuty routing key's secret"},
		{"short log retention", func(a *PagingArgs) { a.LogRetentionDays = 30 }, "logRetentionDays: at least 365"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewPaging(ctx, "paging", args)
				return err
			}, tt.want)
		})
	}
}

// TestForwarder runs the forwarder's own unit tests (forwarder_test.py)
// with python3; make test-rules requires it.
func TestForwarder(t *testing.T) {
	plantest.PythonTests(t, "forwarder_test")
}
