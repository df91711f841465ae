package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
)

func regionOf(p *plan.Plan, r plan.Resource) string {
	prov, _ := p.ByURN(r.Provider)
	region, _ := prov.Inputs["region"].(string)
	return region
}

func TestProductionDataTier(t *testing.T) {
	p := planStack(t, "production")
	counts := p.CountByType()
	assert.Equal(t, 2, counts["aws:rds/instance:Instance"], "primary and one read replica")
	assert.Equal(t, 1, counts["aws:elasticache/replicationGroup:ReplicationGroup"])
	assert.Equal(t, 2, counts["aws:backup/vault:Vault"], "home vault and the DR copy target")
	assert.Equal(t, 2, counts["aws:backup/vaultLockConfiguration:VaultLockConfiguration"], "both locked in production")
	assert.Equal(t, 1, counts["aws:backup/plan:Plan"])

	db, ok := p.Named("aws:rds/instance:Instance", "database")
	require.True(t, ok)
	assert.Equal(t, "platform-prod-use1-postgres", db.Inputs["identifier"])
	assert.Equal(t, true, db.Inputs["multiAz"])
	assert.True(t, db.Protect)
	assert.Equal(t, "us-east-1", regionOf(p, db))

	rep, ok := p.Named("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "database-backups-dr")
	require.True(t, ok)
	assert.Equal(t, "us-west-2", regionOf(p, rep), "point-in-time recovery is copied to the DR region")
	assert.Equal(t, "arn:aws:rds:us-east-1:123456789012:db:platform-prod-use1-postgres", rep.Inputs["sourceDbInstanceArn"])
	assert.Contains(t, rep.Inputs["kmsKeyId"], ":us-west-2:", "under a key of the DR region")

	drVault, _ := p.Named("aws:backup/vault:Vault", "backup-dr-copy")
	assert.Equal(t, "us-west-2", regionOf(p, drVault))
	plan, _ := p.Named("aws:backup/plan:Plan", "backup")
	for _, r := range plan.Inputs["rules"].([]any) {
		copies := r.(map[string]any)["copyActions"].([]any)
		require.Len(t, copies, 1)
		assert.Contains(t, copies[0].(map[string]any)["destinationVaultArn"], ":us-west-2:")
	}

	// Every data store the backup plan must cover carries the tag.
	for _, r := range p.Resources {
		if r.Type == "aws:rds/instance:Instance" && r.Inputs["replicateSourceDb"] == nil {
			assert.Equal(t, "true", r.Inputs["tags"].(map[string]any)["backup"], r.Name)
		}
	}
}

func TestDRDataPath(t *testing.T) {
	primary := planStack(t, "production")
	p := planStack(t, "dr")
	db, ok := p.Named("aws:rds/instance:Instance", "database")
	require.True(t, ok)
	assert.Equal(t, primary.Outputs["databaseArn"], db.Inputs["replicateSourceDb"], "a cross-region replica of the primary, read through the StackReference")
	assert.Contains(t, db.Inputs["kmsKeyId"], ":us-west-2:", "encrypted with a DR-region key")
	assert.Equal(t, "platform-prod-usw2-data", db.Inputs["dbSubnetGroupName"])
	assert.Equal(t, false, db.Inputs["multiAz"], "cost lever: the replica is Single-AZ until promotion (dr.replicaMultiAz)")
	assert.Equal(t, "us-west-2", regionOf(p, db))
	assert.Equal(t, 1, p.CountByType()["aws:elasticache/replicationGroup:ReplicationGroup"], "a warm-standby cache")
	vault, ok := p.Named("aws:backup/vault:Vault", "backup")
	require.True(t, ok)
	assert.Equal(t, "platform-prod-usw2-backup-dr", vault.Inputs["name"])
	_, lag := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "database-replica-lag")
	assert.True(t, lag, "replica lag pages against the RPO")
	assert.Equal(t, false, p.Outputs["promoted"])
}

// withStackFile copies the project into a temporary directory with one
// stack file rewritten, and plans it.
func withStackFile(t *testing.T, stack string, edit func(string) string) *plan.Planner {
	t.Helper()
	return projectWith(t, func(name, content string) string {
		if name == "Pulumi."+stack+".yaml" {
			return edit(content)
		}
		return content
	})
}

// TestFailoverIsAConfigChange: dr.promote turns the replica into a
// standalone Multi-AZ primary, as an update of the same resource.
func TestFailoverIsAConfigChange(t *testing.T) {
	planner := withStackFile(t, "dr", func(s string) string {
		return strings.Replace(s, "promote: false", "promote: true", 1)
	})
	promoted, err := planner.Plan("dr")
	require.NoError(t, err)
	replica := planStack(t, "dr")

	before, _ := replica.Named("aws:rds/instance:Instance", "database")
	after, ok := promoted.Named("aws:rds/instance:Instance", "database")
	require.True(t, ok)
	assert.Equal(t, before.URN, after.URN, "same resource: promotion, never replacement")
	assert.Equal(t, before.Inputs["identifier"], after.Inputs["identifier"])
	assert.Nil(t, after.Inputs["replicateSourceDb"])
	assert.Equal(t, true, after.Inputs["multiAz"])
	assert.Equal(t, 14.0, after.Inputs["backupRetentionPeriod"])
	assert.Equal(t, true, after.Inputs["deletionProtection"])
	assert.Equal(t, true, after.Inputs["manageMasterUserPassword"])
	assert.Equal(t, "true", after.Inputs["tags"].(map[string]any)["backup"], "the promoted primary joins the DR backup plan")
	assert.Equal(t, true, promoted.Outputs["promoted"])
	assert.Empty(t, check(t, promoted).Violations, "the promoted stack passes the policy pack")
}

// TestResizingReplacesNothing: changing the instance class or the engine
// minor version keeps every stateful resource's URN and physical name.
func TestResizingReplacesNothing(t *testing.T) {
	planner := withStackFile(t, "production", func(s string) string {
		s = strings.Replace(s, `engineVersion: "16.4"`, `engineVersion: "16.6"`, 1)
		s = strings.Replace(s, "instanceClass: db.r6g.xlarge", "instanceClass: db.r7g.2xlarge", 1)
		return strings.Replace(s, "nodeType: cache.r6g.large", "nodeType: cache.r7g.xlarge", 1)
	})
	after, err := planner.Plan("production")
	require.NoError(t, err)
	before := planStack(t, "production")
	stateful := []string{"aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:kms/key:Key", "aws:s3/bucketV2:BucketV2", "aws:backup/vault:Vault", "aws:rds/parameterGroup:ParameterGroup"}
	for _, typ := range stateful {
		b := before.OfType(typ)
		a := after.OfType(typ)
		require.Equal(t, len(b), len(a), typ)
		for i := range b {
			assert.Equal(t, b[i].URN, a[i].URN)
			for _, key := range []string{"identifier", "replicationGroupId", "bucket", "name"} {
				assert.Equal(t, b[i].Inputs[key], a[i].Inputs[key], "%s %s of %s", typ, key, b[i].Name)
			}
		}
	}
	db, _ := after.Named("aws:rds/instance:Instance", "database")
	assert.Equal(t, "db.r7g.2xlarge", db.Inputs["instanceClass"], "the change did apply")
}

func TestPromoteOnThePrimaryIsRefused(t *testing.T) {
	planner := withStackFile(t, "production", func(s string) string {
		return s + "  platform:dr:\n    promote: true\n"
	})
	p, err := planner.Plan("production")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dr.promote: only the dr stack promotes its replica")
	assert.Empty(t, p.Resources)
}
