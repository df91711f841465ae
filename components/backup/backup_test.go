package backup

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	backupKey = "arn:aws:kms:us-east-1:111122223333:key/backup"
	drKey     = "arn:aws:kms:us-west-2:111122223333:key/backup-replica"
)

func planBackup(t *testing.T, lock string) *plan.Plan {
	t.Helper()
	return plantest.Run(t, func(ctx *pulumi.Context) error {
		east, err := plantest.Provider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		west, err := plantest.Provider(ctx, "us-west-2")
		if err != nil {
			return err
		}
		dr, err := NewVault(ctx, "backup-dr", &VaultArgs{Namer: plantest.Namer("us-west-2"), Purpose: "dr-copy", KmsKeyArn: pulumi.String(drKey), Protect: true}, west)
		if err != nil {
			return err
		}
		vault, err := NewVault(ctx, "backup", &VaultArgs{
			Namer: plantest.Namer("us-east-1"), Purpose: "primary", KmsKeyArn: pulumi.String(backupKey),
			LockMode: lock, MinRetentionDays: 7, MaxRetentionDays: 400, Protect: true,
		}, east)
		if err != nil {
			return err
		}
		_, err = NewPlan(ctx, "backup", &PlanArgs{Namer: plantest.Namer("us-east-1"), Vault: vault, CopyToVaultArn: dr.Arn}, east)
		return err
	})
}

func TestVaults(t *testing.T) {
	p := planBackup(t, Compliance)
	v, ok := p.Named("aws:backup/vault:Vault", "backup")
	require.True(t, ok)
	assert.Equal(t, backupKey, v.Inputs["kmsKeyArn"])
	assert.Equal(t, false, v.Inputs["forceDestroy"])
	assert.True(t, v.Protect)
	assert.True(t, v.RetainOnDelete)
	lock, ok := p.Named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup")
	require.True(t, ok)
	assert.Equal(t, 7.0, lock.Inputs["minRetentionDays"])
	assert.Equal(t, 400.0, lock.Inputs["maxRetentionDays"])
	assert.Equal(t, 3.0, lock.Inputs["changeableForDays"], "compliance mode sets its grace period")

	dr, ok := p.Named("aws:backup/vault:Vault", "backup-dr")
	require.True(t, ok)
	assert.Equal(t, drKey, dr.Inputs["kmsKeyArn"])
	prov, _ := p.ByURN(dr.Provider)
	assert.Equal(t, "us-west-2", prov.Inputs["region"], "the copy target lives in the DR region")

	gov := planBackup(t, Governance)
	glock, _ := gov.Named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup")
	assert.NotContains(t, glock.Inputs, "changeableForDays", "governance mode can be lifted by a permitted principal")

	none := planBackup(t, "")
	assert.Empty(t, none.OfType("aws:backup/vaultLockConfiguration:VaultLockConfiguration"))
}

func TestPlanRules(t *testing.T) {
	p := planBackup(t, "")
	pl, ok := p.Named("aws:backup/plan:Plan", "backup")
	require.True(t, ok)
	rules := pl.Inputs["rules"].([]any)
	require.Len(t, rules, 4)
	want := map[string]float64{"daily": 35, "weekly": 91, "monthly": 365, "continuous": 35}
	for _, r := range rules {
		m := r.(map[string]any)
		name := m["ruleName"].(string)
		assert.Equal(t, want[name], m["lifecycle"].(map[string]any)["deleteAfter"], name)
		copies := m["copyActions"].([]any)
		require.Len(t, copies, 1, "%s copies to the DR region", name)
		assert.Equal(t, "arn:aws:backup:us-west-2:111122223333:vault/backup-dr-id", copies[0].(map[string]any)["destinationVaultArn"])
		assert.Equal(t, name == "continuous", m["enableContinuousBackup"] == true, "%s continuous", name)
	}
}

func TestSelectionAndRole(t *testing.T) {
	p := planBackup(t, "")
	sel, ok := p.Named("aws:backup/selection:Selection", "backup")
	require.True(t, ok)
	assert.Equal(t, []any{map[string]any{"type": "STRINGEQUALS", "key": "backup", "value": "true"}}, sel.Inputs["selectionTags"])
	assert.Equal(t, "arn:aws:iam::111122223333:role/platform-prod-use1-backup", sel.Inputs["iamRoleArn"])
	var policies []string
	for _, a := range p.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		policies = append(policies, a.Inputs["policyArn"].(string))
	}
	assert.ElementsMatch(t, []string{ManagedPolicies["backup"], ManagedPolicies["restore"], ManagedPolicies["s3-backup"], ManagedPolicies["s3-restore"]}, policies, "AWS-managed backup and restore policies only")
	assert.Empty(t, p.OfType("aws:iam/rolePolicy:RolePolicy"), "no inline policy")
}

func TestBackupValidation(t *testing.T) {
	_, err := plantest.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewVault(ctx, "v", &VaultArgs{Namer: plantest.Namer("us-east-1"), Purpose: "p", LockMode: "strict"})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kmsKeyArn: is required")
	assert.Contains(t, err.Error(), `lockMode: must be governance or compliance, got "strict"`)

	_, err = plantest.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewPlan(ctx, "p", &PlanArgs{Namer: plantest.Namer("us-east-1"), Vault: &Vault{}, Rules: []Rule{{Name: "pitr", Schedule: "rate(1 hour)", DeleteAfterDays: 60, Continuous: true}}})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "copyToVaultArn: is required")
	assert.Contains(t, err.Error(), "rules[0]: continuous backups keep at most 35 days, got 60")
}
