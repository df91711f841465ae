// Package backup owns AWS Backup for the platform: KMS-encrypted vaults
// (locked in production), and a plan of daily, weekly, monthly and
// continuous rules that copies every recovery point to a vault in the DR
// region, selecting every resource tagged backup=true.
package backup

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Lock modes of a vault lock.
const (
	// Governance: principals with the right IAM permission can still
	// remove the lock.
	Governance = "governance"
	// Compliance: after a 3-day grace period nobody, root included, can
	// remove the lock or shorten retention.
	Compliance = "compliance"
	// complianceGraceDays is the window to undo a compliance lock.
	complianceGraceDays = 3
)

// VaultArgs configure a vault.
type VaultArgs struct {
	// Namer names the vault.
	Namer naming.Namer
	// Purpose tells vaults apart ("primary", "dr-copy").
	Purpose string
	// KmsKeyArn encrypts recovery points: the backup key of the vault's
	// region.
	KmsKeyArn pulumi.StringInput
	// LockMode is "", governance or compliance.
	LockMode string
	// MinRetentionDays and MaxRetentionDays bound what a locked vault keeps.
	MinRetentionDays int
	MaxRetentionDays int
	// Protect turns on pulumi.Protect; vaults are always retained.
	Protect bool
}

// Validate reports every problem of the args.
func (a VaultArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.Region == "" || a.Purpose == "" {
		add("namer, purpose: are required")
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required: recovery points are encrypted with the backup key")
	}
	switch a.LockMode {
	case "":
	case Governance, Compliance:
		if a.MinRetentionDays < 1 || a.MaxRetentionDays < a.MinRetentionDays {
			add("minRetentionDays, maxRetentionDays: a locked vault needs 1 <= min <= max, got %d and %d", a.MinRetentionDays, a.MaxRetentionDays)
		}
	default:
		add("lockMode: must be governance or compliance, got %q", a.LockMode)
	}
	return errors.Join(errs...)
}

// Vault is a backup vault.
type Vault struct {
	pulumi.ResourceState

	Name pulumi.StringOutput
	Arn  pulumi.StringOutput
}

// NewVault creates a vault, and its lock when a lock mode is set.
func NewVault(ctx *pulumi.Context, name string, args *VaultArgs, opts ...pulumi.ResourceOption) (*Vault, error) {
	if args == nil {
		args = &VaultArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	a := *args
	v := &Vault{}
	if err := ctx.RegisterComponentResourceV2("platform:backup:Vault", name, pulumi.Map{"lockMode": pulumi.String(a.LockMode)}, v, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(v)
	vault, err := backup.NewVault(ctx, name, &backup.VaultArgs{
		Name:         pulumi.String(a.Namer.Name(naming.Generic, "backup", a.Purpose)),
		KmsKeyArn:    a.KmsKeyArn,
		ForceDestroy: pulumi.Bool(false),
	}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	if a.LockMode != "" {
		lock := &backup.VaultLockConfigurationArgs{
			BackupVaultName:  vault.Name,
			MinRetentionDays: pulumi.Int(a.MinRetentionDays),
			MaxRetentionDays: pulumi.Int(a.MaxRetentionDays),
		}
		if a.LockMode == Compliance {
			lock.ChangeableForDays = pulumi.Int(complianceGraceDays)
		}
		if _, err := backup.NewVaultLockConfiguration(ctx, name, lock, parent, pulumi.Protect(a.Protect)); err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
	}
	v.Name, v.Arn = vault.Name, vault.Arn
	return v, ctx.RegisterResourceOutputs(v, pulumi.Map{"name": v.Name, "arn": v.Arn})
}

// Rule is one schedule of the plan.
type Rule struct {
	Name     string
	Schedule string
	// DeleteAfterDays is how long its recovery points are kept.
	DeleteAfterDays int
	// Continuous enables point-in-time recovery (RDS, S3), at most 35 days.
	Continuous bool
}

// DefaultRules are the platform's schedules (UTC): daily for 35 days,
// weekly for 13 weeks, monthly for 12 months, and continuous backup for
// point-in-time recovery.
var DefaultRules = []Rule{
	{Name: "daily", Schedule: "cron(0 5 * * ? *)", DeleteAfterDays: 35},
	{Name: "weekly", Schedule: "cron(0 5 ? * SUN *)", DeleteAfterDays: 91},
	{Name: "monthly", Schedule: "cron(0 5 1 * ? *)", DeleteAfterDays: 365},
	{Name: "continuous", Schedule: "cron(0 6 * * ? *)", DeleteAfterDays: 35, Continuous: true},
}

// PlanArgs configure the plan.
type PlanArgs struct {
	// Namer names the plan and its role.
	Namer naming.Namer
	// Vault receives the recovery points.
	Vault *Vault
	// CopyToVaultArn is a vault in another region that gets a copy of
	// every recovery point.
	CopyToVaultArn pulumi.StringInput
	// Rules default to DefaultRules.
	Rules []Rule
	// SelectionTag selects resources; default backup=true.
	SelectionTagKey, SelectionTagValue string
}

// Validate reports every problem of defaulted args.
func (a PlanArgs) Validate() error {
	var errs []error
	if a.Vault == nil {
		errs = append(errs, errors.New("vault: is required"))
	}
	if a.CopyToVaultArn == nil {
		errs = append(errs, errors.New("copyToVaultArn: is required: every recovery point is copied to the DR region"))
	}
	for i, r := range a.Rules {
		if r.Name == "" || r.Schedule == "" || r.DeleteAfterDays < 1 {
			errs = append(errs, fmt.Errorf("rules[%d]: name, schedule and deleteAfterDays are required", i))
		}
		if r.Continuous && r.DeleteAfterDays > 35 {
			errs = append(errs, fmt.Errorf("rules[%d]: continuous backups keep at most 35 days, got %d", i, r.DeleteAfterDays))
		}
	}
	return errors.Join(errs...)
}

// Plan is a backup plan with its selection and role.
type Plan struct {
	pulumi.ResourceState
}

// ManagedPolicies are the only permissions the backup role has: AWS's
// managed backup and restore policies (S3 ones included).
var ManagedPolicies = map[string]string{
	"backup":     "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
	"restore":    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
	"s3-backup":  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
	"s3-restore": "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
}

// NewPlan creates the plan, its IAM role and the tag selection.
func NewPlan(ctx *pulumi.Context, name string, args *PlanArgs, opts ...pulumi.ResourceOption) (*Plan, error) {
	if args == nil {
		args = &PlanArgs{}
	}
	a := *args
	if a.Rules == nil {
		a.Rules = DefaultRules
	}
	if a.SelectionTagKey == "" {
		a.SelectionTagKey, a.SelectionTagValue = naming.TagBackup, "true"
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	p := &Plan{}
	if err := ctx.RegisterComponentResourceV2("platform:backup:Plan", name, pulumi.Map{"rules": pulumi.Int(len(a.Rules))}, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)
	n := a.Namer

	rules := backup.PlanRuleArray{}
	for _, r := range a.Rules {
		rule := backup.PlanRuleArgs{
			RuleName:         pulumi.String(r.Name),
			TargetVaultName:  a.Vault.Name,
			Schedule:         pulumi.String(r.Schedule),
			StartWindow:      pulumi.Int(60),
			CompletionWindow: pulumi.Int(360),
			Lifecycle:        backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(r.DeleteAfterDays)},
			CopyActions: backup.PlanRuleCopyActionArray{backup.PlanRuleCopyActionArgs{
				DestinationVaultArn: a.CopyToVaultArn,
				Lifecycle:           backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(r.DeleteAfterDays)},
			}},
		}
		if r.Continuous {
			rule.EnableContinuousBackup = pulumi.Bool(true)
		}
		rules = append(rules, rule)
	}
	plan, err := backup.NewPlan(ctx, name, &backup.PlanArgs{
		Name:  pulumi.String(n.Name(naming.Generic, "backup")),
		Rules: rules,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}

	trust := policydoc.ServiceTrust("backup.amazonaws.com", n.AccountID)
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, "backup")),
		Description:      pulumi.String("AWS Backup: back up and restore what the plan selects"),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	var attachments []pulumi.Resource
	for _, key := range []string{"backup", "restore", "s3-backup", "s3-restore"} {
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-"+key, &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String(ManagedPolicies[key]),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
		attachments = append(attachments, att)
	}
	if _, err := backup.NewSelection(ctx, name, &backup.SelectionArgs{
		Name:       pulumi.String(n.Name(naming.Generic, "tagged")),
		PlanId:     plan.ID().ToStringOutput(),
		IamRoleArn: role.Arn,
		SelectionTags: backup.SelectionSelectionTagArray{backup.SelectionSelectionTagArgs{
			Type: pulumi.String("STRINGEQUALS"), Key: pulumi.String(a.SelectionTagKey), Value: pulumi.String(a.SelectionTagValue),
		}},
	}, parent, pulumi.DependsOn(attachments)); err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{})
}
