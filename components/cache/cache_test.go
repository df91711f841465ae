package cache

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	dataKey = "arn:aws:kms:us-east-1:111122223333:key/data"
	logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"
	topic   = "arn:aws:sns:us-east-1:111122223333:alerts"
)

func baseArgs() *CacheArgs {
	return &CacheArgs{
		Namer: plantest.Namer("us-east-1"), EngineVersion: "7.1", NodeType: "cache.r6g.large",
		VpcID: pulumi.String("vpc-1"), SubnetGroupName: pulumi.String("data"),
		ClientCidrs:   []string{"10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"},
		DataKmsKeyArn: pulumi.String(dataKey), LogsKmsKeyArn: pulumi.String(logsKey),
		AlarmTopicArn: pulumi.String(topic), Protect: true,
	}
}

func planCache(t *testing.T, mutate func(*CacheArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewCache(ctx, "cache", args, prov)
		return err
	})
}

func TestCacheChildren(t *testing.T) {
	p := planCache(t, nil)
	got := p.ChildTypes("platform:cache:Cache", "cache")
	require.NotNil(t, got)
	assert.Equal(t, map[string]int{
		"aws:ec2/securityGroup:SecurityGroup":               1,
		"aws:elasticache/parameterGroup:ParameterGroup":     1,
		"aws:cloudwatch/logGroup:LogGroup":                  2,
		"aws:elasticache/user:User":                         2,
		"aws:elasticache/userGroup:UserGroup":               1,
		"aws:elasticache/replicationGroup:ReplicationGroup": 1,
		"aws:cloudwatch/metricAlarm:MetricAlarm":            5,
	}, got)
}

func TestReplicationGroup(t *testing.T) {
	p := planCache(t, func(a *CacheArgs) { a.Replicas = 2; a.SnapshotRetentionDays = 14 })
	rg, ok := p.Named("aws:elasticache/replicationGroup:ReplicationGroup", "cache")
	require.True(t, ok)
	in := rg.Inputs
	assert.Equal(t, "platform-prod-use1-redis", in["replicationGroupId"])
	assert.Equal(t, "7.1", in["engineVersion"])
	assert.Equal(t, "cache.r6g.large", in["nodeType"])
	assert.Equal(t, 2.0, in["replicasPerNodeGroup"])
	assert.Equal(t, true, in["multiAzEnabled"])
	assert.Equal(t, true, in["automaticFailoverEnabled"])
	assert.Equal(t, "data", in["subnetGroupName"])
	assert.Equal(t, true, in["atRestEncryptionEnabled"])
	assert.Equal(t, dataKey, in["kmsKeyId"])
	assert.Equal(t, true, in["transitEncryptionEnabled"])
	assert.Equal(t, "required", in["transitEncryptionMode"])
	assert.NotContains(t, in, "authToken", "RBAC with IAM users: no static secret")
	assert.Equal(t, []any{"platform-prod-use1-redis-users"}, in["userGroupIds"])
	assert.Equal(t, 14.0, in["snapshotRetentionLimit"])
	assert.Equal(t, "05:00-06:00", in["snapshotWindow"])
	assert.Equal(t, true, in["autoMinorVersionUpgrade"])
	assert.Equal(t, "platform-prod-use1-redis7", in["parameterGroupName"])
	assert.True(t, rg.Protect)
	logs := in["logDeliveryConfigurations"].([]any)
	require.Len(t, logs, 2)
	kinds := map[string]string{}
	for _, l := range logs {
		m := l.(map[string]any)
		kinds[m["logType"].(string)] = m["destination"].(string)
		assert.Equal(t, "cloudwatch-logs", m["destinationType"])
	}
	assert.Equal(t, map[string]string{"slow-log": "/platform/prod/use1/redis/slow-log", "engine-log": "/platform/prod/use1/redis/engine-log"}, kinds)
	for _, g := range p.OfType("aws:cloudwatch/logGroup:LogGroup") {
		assert.Equal(t, logsKey, g.Inputs["kmsKeyId"])
	}
}

func TestRBACUsers(t *testing.T) {
	p := planCache(t, nil)
	def, ok := p.Named("aws:elasticache/user:User", "cache-default")
	require.True(t, ok)
	assert.Equal(t, "default", def.Inputs["userName"])
	assert.Equal(t, "off -@all", def.Inputs["accessString"], "the default user is disabled")
	app, ok := p.Named("aws:elasticache/user:User", "cache-app")
	require.True(t, ok)
	assert.Equal(t, "iam", plantest.Input(app, "authenticationMode", "type"))
	assert.Equal(t, app.Inputs["userId"], app.Inputs["userName"], "IAM authentication needs user id = user name")
	assert.NotContains(t, app.Inputs, "passwords")
}

func TestCacheAlarmsAndSecurityGroup(t *testing.T) {
	p := planCache(t, nil)
	metrics := map[string]bool{}
	for _, a := range p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		metrics[a.Inputs["metricName"].(string)] = true
		assert.Equal(t, []any{topic}, a.Inputs["alarmActions"])
	}
	assert.Equal(t, map[string]bool{"CPUUtilization": true, "EngineCPUUtilization": true, "DatabaseMemoryUsagePercentage": true, "Evictions": true, "ReplicationLag": true}, metrics)
	sg, _ := p.Named("aws:ec2/securityGroup:SecurityGroup", "cache-sg")
	rule := sg.Inputs["ingress"].([]any)[0].(map[string]any)
	assert.Equal(t, 6379.0, rule["fromPort"])
	assert.Equal(t, []any{"10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"}, rule["cidrBlocks"])
	assert.Equal(t, []any{}, sg.Inputs["egress"])
}

func TestCacheValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*CacheArgs)
		want   string
	}{
		{"no replica", func(a *CacheArgs) { a.Replicas = -1 }, "replicas: must be 1 to 5 (at least one replica for Multi-AZ failover), got -1"},
		{"floating version", func(a *CacheArgs) { a.EngineVersion = "7" }, `engineVersion: must be a pinned Redis version such as 7.1, got "7"`},
		{"bad node", func(a *CacheArgs) { a.NodeType = "r6g.large" }, `nodeType: must be an ElastiCache node type such as cache.r6g.large, got "r6g.large"`},
		{"default user name", func(a *CacheArgs) { a.ApplicationUser = "default" }, "applicationUser: must be a lower-case name other than default"},
		{"no keys", func(a *CacheArgs) { a.DataKmsKeyArn = nil }, "customer-managed keys are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewCache(ctx, "cache", args)
				return err
			}, tt.want)
		})
	}
}
