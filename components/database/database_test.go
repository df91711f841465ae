package database

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	dataKey    = "arn:aws:kms:us-east-1:111122223333:key/data"
	secretsKey = "arn:aws:kms:us-east-1:111122223333:key/secrets"
	logsKey    = "arn:aws:kms:us-east-1:111122223333:key/logs"
	topic      = "arn:aws:sns:us-east-1:111122223333:alerts"
)

func baseArgs() *DatabaseArgs {
	return &DatabaseArgs{
		Namer:            plantest.Namer("us-east-1"),
		EngineVersion:    "16.4",
		InstanceClass:    "db.r6g.xlarge",
		VpcID:            pulumi.String("vpc-1"),
		SubnetGroupName:  pulumi.String("data"),
		ClientCidrs:      []string{"10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"},
		DataKmsKeyArn:    pulumi.String(dataKey),
		SecretsKmsKeyArn: pulumi.String(secretsKey),
		LogsKmsKeyArn:    pulumi.String(logsKey),
		ReadReplicas:     1,
		AlarmTopicArn:    pulumi.String(topic),
		Protect:          true,
	}
}

func planDB(t *testing.T, mutate func(*DatabaseArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, args.Namer.Region, func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewDatabase(ctx, "db", args, prov)
		return err
	})
}

func TestDatabaseChildren(t *testing.T) {
	p := planDB(t, nil)
	got := p.ChildTypes("platform:database:Database", "db")
	require.NotNil(t, got)
	assert.Equal(t, map[string]int{
		"aws:ec2/securityGroup:SecurityGroup":               1,
		"aws:rds/parameterGroup:ParameterGroup":             1,
		"aws:iam/role:Role":                                 1,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
		"aws:cloudwatch/logGroup:LogGroup":                  4, // postgresql and upgrade, primary and replica
		"aws:rds/instance:Instance":                         2,
		"aws:cloudwatch/metricAlarm:MetricAlarm":            5, // cpu, memory, storage, connections, replica lag
	}, got)
}

func TestPrimaryInstance(t *testing.T) {
	p := planDB(t, nil)
	db, ok := p.Named("aws:rds/instance:Instance", "db")
	require.True(t, ok)
	in := db.Inputs
	assert.Equal(t, "platform-prod-use1-postgres", in["identifier"])
	assert.Equal(t, "postgres", in["engine"])
	assert.Equal(t, "16.4", in["engineVersion"])
	assert.Equal(t, "db.r6g.xlarge", in["instanceClass"])
	assert.Equal(t, true, in["multiAz"])
	assert.Equal(t, false, in["publiclyAccessible"])
	assert.Equal(t, true, in["storageEncrypted"])
	assert.Equal(t, dataKey, in["kmsKeyId"])
	assert.Equal(t, "gp3", in["storageType"])
	assert.Equal(t, 100.0, in["allocatedStorage"])
	assert.Equal(t, 1000.0, in["maxAllocatedStorage"])
	assert.Equal(t, "data", in["dbSubnetGroupName"])
	assert.Equal(t, true, in["manageMasterUserPassword"])
	assert.Equal(t, secretsKey, in["masterUserSecretKmsKeyId"])
	assert.NotContains(t, in, "password", "no password in config or state")
	assert.Equal(t, true, in["iamDatabaseAuthenticationEnabled"])
	assert.Equal(t, []any{"postgresql", "upgrade"}, in["enabledCloudwatchLogsExports"])
	assert.Equal(t, 30.0, in["monitoringInterval"])
	assert.Equal(t, true, in["performanceInsightsEnabled"])
	assert.Equal(t, dataKey, in["performanceInsightsKmsKeyId"])
	assert.Equal(t, true, in["autoMinorVersionUpgrade"])
	assert.Equal(t, false, in["allowMajorVersionUpgrade"])
	assert.Equal(t, 14.0, in["backupRetentionPeriod"])
	assert.Equal(t, "03:00-04:00", in["backupWindow"])
	assert.Equal(t, "sun:04:30-sun:05:30", in["maintenanceWindow"])
	assert.Equal(t, true, in["copyTagsToSnapshot"])
	assert.Equal(t, true, in["deletionProtection"])
	assert.Equal(t, false, in["skipFinalSnapshot"])
	assert.Equal(t, "platform-prod-use1-postgres-final", in["finalSnapshotIdentifier"])
	assert.Equal(t, "true", plantest.Input(db, "tags", "backup"), "selected by the backup plan")
	assert.True(t, db.Protect)
	assert.True(t, db.RetainOnDelete)
	assert.Equal(t, []any{"db-sg-id"}, in["vpcSecurityGroupIds"])
	assert.Equal(t, "platform-prod-use1-postgres16", in["parameterGroupName"])
	for _, lg := range []string{"db-postgresql", "db-upgrade"} {
		g, _ := p.Named("aws:cloudwatch/logGroup:LogGroup", lg)
		assert.Contains(t, db.DependsOn, g.URN, "log groups exist before RDS would create unencrypted ones")
	}
}

func TestParameterGroup(t *testing.T) {
	p := planDB(t, func(a *DatabaseArgs) { a.LogMinDurationStatementMs = 250 })
	pg, ok := p.Named("aws:rds/parameterGroup:ParameterGroup", "db")
	require.True(t, ok)
	assert.Equal(t, "postgres16", pg.Inputs["family"])
	params := map[string]string{}
	for _, e := range pg.Inputs["parameters"].([]any) {
		m := e.(map[string]any)
		params[m["name"].(string)] = m["value"].(string)
	}
	assert.Equal(t, map[string]string{"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1", "log_min_duration_statement": "250"}, params)
}

func TestSecurityGroupAdmitsOnlyTheWorkloadTier(t *testing.T) {
	p := planDB(t, nil)
	sg, _ := p.Named("aws:ec2/securityGroup:SecurityGroup", "db-sg")
	ingress := sg.Inputs["ingress"].([]any)
	require.Len(t, ingress, 1)
	rule := ingress[0].(map[string]any)
	assert.Equal(t, 5432.0, rule["fromPort"])
	assert.Equal(t, 5432.0, rule["toPort"])
	assert.Equal(t, []any{"10.10.0.0/19", "10.10.32.0/19", "10.10.64.0/19"}, rule["cidrBlocks"])
	assert.Equal(t, []any{}, sg.Inputs["egress"])
}

func TestReadReplicaMultiAZIsAChoice(t *testing.T) {
	p := planDB(t, func(a *DatabaseArgs) { a.ReadReplicaMultiAZ = true })
	replica, ok := p.Named("aws:rds/instance:Instance", "db-replica-1")
	require.True(t, ok)
	assert.Equal(t, true, replica.Inputs["multiAz"])
	primary, _ := p.Named("aws:rds/instance:Instance", "db")
	assert.Equal(t, true, primary.Inputs["multiAz"])
}

func TestReadReplicaAndAlarms(t *testing.T) {
	p := planDB(t, func(a *DatabaseArgs) { a.ReplicaLagAlarmSeconds = 120 })
	replica, ok := p.Named("aws:rds/instance:Instance", "db-replica-1")
	require.True(t, ok)
	assert.Equal(t, "platform-prod-use1-postgres-replica-1", replica.Inputs["identifier"])
	assert.Equal(t, "platform-prod-use1-postgres", replica.Inputs["replicateSourceDb"])
	assert.NotContains(t, replica.Inputs, "manageMasterUserPassword")
	assert.True(t, replica.Protect)
	assert.Equal(t, false, replica.Inputs["multiAz"], "a read replica is Single-AZ by default: the primary carries availability")

	lag, ok := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-replica-1-lag")
	require.True(t, ok)
	assert.Equal(t, "ReplicaLag", lag.Inputs["metricName"])
	assert.Equal(t, 120.0, lag.Inputs["threshold"])
	assert.Equal(t, map[string]any{"DBInstanceIdentifier": "platform-prod-use1-postgres-replica-1"}, lag.Inputs["dimensions"])
	for _, a := range p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		assert.Equal(t, []any{topic}, a.Inputs["alarmActions"], a.Name)
		assert.Equal(t, []any{topic}, a.Inputs["okActions"], a.Name)
	}
	cpu, _ := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu")
	assert.Equal(t, 80.0, cpu.Inputs["threshold"])
	storage, _ := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-storage")
	assert.Equal(t, 10.0*(1<<30), storage.Inputs["threshold"], "10% of 100 GB")
}

func TestCrossRegionReplicaAndPromotion(t *testing.T) {
	west := func(a *DatabaseArgs) {
		a.Namer = plantest.Namer("us-west-2")
		a.DataKmsKeyArn = pulumi.String("arn:aws:kms:us-west-2:111122223333:key/dr-data")
		a.ReadReplicas = 0
	}
	replica := planDB(t, func(a *DatabaseArgs) {
		west(a)
		a.ReplicaOf = pulumi.String("arn:aws:rds:us-east-1:111122223333:db:platform-prod-use1-postgres")
		a.SecretsKmsKeyArn = nil
	})
	promoted := planDB(t, west)

	r, ok := replica.Named("aws:rds/instance:Instance", "db")
	require.True(t, ok)
	assert.Equal(t, "arn:aws:rds:us-east-1:111122223333:db:platform-prod-use1-postgres", r.Inputs["replicateSourceDb"])
	assert.Equal(t, "arn:aws:kms:us-west-2:111122223333:key/dr-data", r.Inputs["kmsKeyId"], "a key of the replica's region")
	assert.NotContains(t, r.Inputs, "username")
	assert.NotContains(t, r.Inputs, "manageMasterUserPassword")
	assert.Equal(t, true, r.Inputs["deletionProtection"])
	assert.Nil(t, plantest.Input(r, "tags", "backup"), "AWS Backup does not back up read replicas")
	_, lag := replica.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "db-replica-lag")
	assert.True(t, lag, "the DR replica's lag pages against the RPO")

	pr, ok := promoted.Named("aws:rds/instance:Instance", "db")
	require.True(t, ok)
	assert.Equal(t, r.URN, pr.URN, "promotion is an update of the same resource, never a replacement")
	assert.Equal(t, r.Inputs["identifier"], pr.Inputs["identifier"])
	assert.NotContains(t, pr.Inputs, "replicateSourceDb")
	assert.Equal(t, true, pr.Inputs["multiAz"])
	assert.Equal(t, 14.0, pr.Inputs["backupRetentionPeriod"])
	assert.Equal(t, true, pr.Inputs["deletionProtection"])
	assert.Equal(t, true, pr.Inputs["manageMasterUserPassword"])
	assert.Equal(t, "true", plantest.Input(pr, "tags", "backup"), "the promoted primary joins the DR backup plan")
}

// TestConfigChangesKeepIdentity: resizing or a minor upgrade must update
// the instances in place: same URNs, same identifiers.
func TestConfigChangesKeepIdentity(t *testing.T) {
	before := planDB(t, nil)
	after := planDB(t, func(a *DatabaseArgs) { a.InstanceClass = "db.r7g.2xlarge"; a.EngineVersion = "16.6" })
	for _, name := range []string{"db", "db-replica-1"} {
		b, _ := before.Named("aws:rds/instance:Instance", name)
		a, ok := after.Named("aws:rds/instance:Instance", name)
		require.True(t, ok)
		assert.Equal(t, b.URN, a.URN)
		assert.Equal(t, b.Inputs["identifier"], a.Inputs["identifier"])
		assert.Equal(t, b.Inputs["parameterGroupName"], a.Inputs["parameterGroupName"], "same major, same parameter group")
	}
}

func TestBackupReplication(t *testing.T) {
	p := plantest.Run(t, func(ctx *pulumi.Context) error {
		west, err := plantest.Provider(ctx, "us-west-2")
		if err != nil {
			return err
		}
		_, err = NewBackupReplication(ctx, "db-backups", &BackupReplicationArgs{
			SourceArn: pulumi.String("arn:aws:rds:us-east-1:111122223333:db:x"),
			KmsKeyArn: pulumi.String("arn:aws:kms:us-west-2:111122223333:key/replica"),
		}, west)
		return err
	})
	r, ok := p.Named("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "db-backups")
	require.True(t, ok)
	assert.Equal(t, "arn:aws:kms:us-west-2:111122223333:key/replica", r.Inputs["kmsKeyId"])
	assert.Equal(t, 14.0, r.Inputs["retentionPeriod"])
	prov, _ := p.ByURN(r.Provider)
	assert.Equal(t, "us-west-2", prov.Inputs["region"])
}

func TestDatabaseValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*DatabaseArgs)
		want   string
	}{
		{"floating version", func(a *DatabaseArgs) { a.EngineVersion = "16" }, `engineVersion: must be a pinned PostgreSQL version such as 16.4, got "16"`},
		{"bad class", func(a *DatabaseArgs) { a.InstanceClass = "r6g.xlarge" }, `instanceClass: must be an RDS instance class such as db.r6g.xlarge, got "r6g.xlarge"`},
		{"retention too long", func(a *DatabaseArgs) { a.BackupRetentionDays = 40 }, "backupRetentionDays: must be 1 to 35, got 40"},
		{"lag alarm beyond rpo", func(a *DatabaseArgs) { a.ReplicaLagAlarmSeconds = 1200 }, "replicaLagAlarmSeconds: must be under the 15-minute RPO (900), got 1200"},
		{"no clients", func(a *DatabaseArgs) { a.ClientCidrs = nil }, "clientCidrs: name the workload tier's CIDRs"},
		{"no keys", func(a *DatabaseArgs) { a.DataKmsKeyArn = nil }, "customer-managed keys are required"},
		{"no alarm topic", func(a *DatabaseArgs) { a.AlarmTopicArn = nil }, "alarmTopicArn: is required"},
		{"bad monitoring", func(a *DatabaseArgs) { a.MonitoringIntervalSeconds = 7 }, "monitoringIntervalSeconds: must be 1, 5, 10, 15, 30 or 60, got 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewDatabase(ctx, "db", args)
				return err
			}, tt.want)
		})
	}
}
