package policies

import (
	"strings"
)

// Resource types of the data tier controls.
const (
	tRDSParameterGroup     = "aws:rds/parameterGroup:ParameterGroup"
	tRDSBackupsReplication = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
	tBackupSelection       = "aws:backup/selection:Selection"
	tBackupVault           = "aws:backup/vault:Vault"
	tBackupPlan            = "aws:backup/plan:Plan"
	tProviderAWS           = "pulumi:providers:aws"
)

// isReplica reports whether an RDS instance is a read replica (it takes
// encryption, backups and credentials from its source).
func isReplica(r *Resource) bool { return r.Get("replicateSourceDb").Present() }

func isPostgres(r *Resource) bool {
	e := r.Get("engine").Str()
	return e == "" || strings.Contains(e, "postgres")
}

func init() {
	register(
		&Policy{
			Name:        "rds-encrypted-cmk",
			Description: "RDS storage is encrypted with a customer-managed KMS key.",
			Severity:    Critical, Enforcement: Mandatory, Control: 22,
			Frameworks:  []string{"CKV_AWS_16", "AVD-AWS-0080", "FSBP RDS.3", "CIS 2.3.1", "PCI 3.5.1"},
			Remediation: "Set storageEncrypted true and kmsKeyId to the data key.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				if !isReplica(r) {
					requireTrue(c, r, "storage is not encrypted", "storageEncrypted")
				}
				requireSet(c, r, "storage is not encrypted with a customer-managed key", "kmsKeyId")
			},
		},
		&Policy{
			Name:        "rds-not-public",
			Description: "RDS instances are not publicly accessible.",
			Severity:    Critical, Enforcement: Mandatory, Control: 23,
			Frameworks:  []string{"CKV_AWS_17", "AVD-AWS-0180", "FSBP RDS.2", "CIS 2.3.3", "PCI 1.3.1"},
			Remediation: "Set publiclyAccessible false and place the instance in the data subnets.",
			Types:       []string{tRDSInstance},
			Resource: func(c *Check, r *Resource) {
				requireNotTrue(c, r, "the database is reachable from the internet", "publiclyAccessible")
			},
		},
		&Policy{
			Name:        "rds-multi-az",
			Description: "RDS primary instances are Multi-AZ.",
			Severity:    High, Enforcement: Mandatory, Control: 24,
			Frameworks:  []string{"CKV_AWS_157", "FSBP RDS.5"},
			Remediation: "Set multiAz true.",
			Types:       []string{tRDSInstance},
			Resource: func(c *Check, r *Resource) {
				if !isReplica(r) {
					requireTrue(c, r, "the instance is in a single availability zone", "multiAz")
				}
			},
		},
		&Policy{
			Name:        "rds-backup-retention",
			Description: "RDS keeps automated backups for at least the configured days (14 in production).",
			Severity:    High, Enforcement: Mandatory, Control: 25,
			Frameworks:  []string{"CKV_AWS_133", "AVD-AWS-0077", "FSBP RDS.11"},
			Remediation: "Set backupRetentionPeriod to at least 14 (platform config) with a backup window.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				if !isReplica(r) {
					requireAtLeast(c, r, float64(c.Params.MinBackupRetentionDays), 1, "backups are not kept long enough", "backupRetentionPeriod")
				}
			},
		},
		&Policy{
			Name:        "rds-deletion-protection",
			Description: "RDS has deletion protection on and keeps a final snapshot.",
			Severity:    High, Enforcement: Mandatory, Control: 26,
			Frameworks:  []string{"CKV_AWS_293", "AVD-AWS-0177", "FSBP RDS.8"},
			Remediation: "Set deletionProtection true, skipFinalSnapshot false and a finalSnapshotIdentifier.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "the database can be deleted by an API call", "deletionProtection")
				requireNotTrue(c, r, "deleting the database keeps no final snapshot", "skipFinalSnapshot")
			},
		},
		&Policy{
			Name:        "rds-iam-auth",
			Description: "RDS has IAM database authentication enabled.",
			Severity:    Medium, Enforcement: Mandatory, Control: 27,
			Frameworks:  []string{"CKV_AWS_161", "AVD-AWS-0176", "FSBP RDS.10", "PCI 8.2"},
			Remediation: "Set iamDatabaseAuthenticationEnabled true.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "IAM database authentication is off", "iamDatabaseAuthenticationEnabled")
			},
		},
		&Policy{
			Name:        "rds-log-exports",
			Description: "RDS PostgreSQL exports its postgresql and upgrade logs to CloudWatch Logs.",
			Severity:    Medium, Enforcement: Mandatory, Control: 28,
			Frameworks:  []string{"CKV_AWS_129", "FSBP RDS.9", "FSBP RDS.36", "PCI 10.2.1"},
			Remediation: "Set enabledCloudwatchLogsExports to [postgresql, upgrade].",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("enabledCloudwatchLogsExports")
				if v.ContainsUnknown() {
					c.Undecided(r, "enabledCloudwatchLogsExports")
					return
				}
				want := []string{"postgresql", "upgrade"}
				if !isPostgres(r) {
					if len(v.List()) == 0 {
						c.Fail(r, "no logs are exported to CloudWatch Logs")
					}
					return
				}
				if missing := hasAll(v.Strings(), want...); len(missing) > 0 {
					c.Fail(r, "log exports miss %s", describe(missing))
				}
			},
		},
		&Policy{
			Name:        "rds-force-ssl",
			Description: "RDS PostgreSQL uses a parameter group with rds.force_ssl=1.",
			Severity:    High, Enforcement: Mandatory, Control: 29,
			Frameworks:  []string{"CKV2_AWS_69", "SecurityHub RDS.38"},
			Remediation: "Attach an aws.rds.ParameterGroup with parameter rds.force_ssl = 1.",
			Types:       []string{tRDSInstance},
			Stack: func(c *Check, s *Stack) {
				for _, db := range s.OfType(tRDSInstance) {
					if !isPostgres(db) {
						continue
					}
					v := db.Get("parameterGroupName")
					if v.Unknown() && len(db.PropertyDependencies["parameterGroupName"]) == 0 {
						c.Undecided(db, "parameterGroupName")
						continue
					}
					var group *Resource
					if groups := s.Targets(db, "parameterGroupName", tRDSParameterGroup); len(groups) > 0 {
						group = groups[len(groups)-1]
					}
					if group == nil {
						c.Fail(db, "the instance does not use a parameter group of this stack that forces TLS")
						continue
					}
					forced := false
					for _, p := range group.Get("parameters").List() {
						pv := Of(p)
						if pv.At("name").Str() == "rds.force_ssl" && pv.At("value").Str() == "1" {
							forced = true
						}
					}
					if !forced {
						c.Fail(group, "the parameter group does not set rds.force_ssl to 1")
					}
				}
			},
		},
		&Policy{
			Name:        "rds-auto-minor-upgrade",
			Description: "RDS applies minor engine upgrades automatically.",
			Severity:    Medium, Enforcement: Mandatory, Control: 30,
			Frameworks:  []string{"CKV_AWS_226", "FSBP RDS.13", "CIS 2.3.2"},
			Remediation: "Leave autoMinorVersionUpgrade at true.",
			Types:       []string{tRDSInstance},
			Resource: func(c *Check, r *Resource) {
				requireNotFalse(c, r, "automatic minor version upgrades are off", "autoMinorVersionUpgrade")
			},
		},
		&Policy{
			Name:        "rds-monitoring",
			Description: "RDS has enhanced monitoring and Performance Insights encrypted with a customer-managed key.",
			Severity:    Medium, Enforcement: Mandatory, Control: 31,
			Frameworks:  []string{"CKV_AWS_118", "CKV_AWS_353", "CKV_AWS_354", "FSBP RDS.6"},
			Remediation: "Set monitoringInterval (e.g. 30) with a monitoringRoleArn, performanceInsightsEnabled true and performanceInsightsKmsKeyId.",
			Types:       []string{tRDSInstance},
			Resource: func(c *Check, r *Resource) {
				requireAtLeast(c, r, 1, 0, "enhanced monitoring is off", "monitoringInterval")
				requireTrue(c, r, "Performance Insights is off", "performanceInsightsEnabled")
				requireSet(c, r, "Performance Insights is not encrypted with a customer-managed key", "performanceInsightsKmsKeyId")
			},
		},
		&Policy{
			Name:        "rds-copy-tags-to-snapshots",
			Description: "RDS copies its tags to snapshots, so backups keep their classification.",
			Severity:    Low, Enforcement: Advisory, Control: 32,
			Frameworks:  []string{"CKV2_AWS_60", "FSBP RDS.17"},
			Remediation: "Set copyTagsToSnapshot true.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "snapshots lose the instance's tags", "copyTagsToSnapshot")
			},
		},
		&Policy{
			Name:        "rds-in-backup-plan",
			Description: "Every RDS primary is selected by an AWS Backup plan (by ARN or by its backup tag).",
			Severity:    High, Enforcement: Mandatory, Control: 32,
			Frameworks:  []string{"CKV2_AWS_8", "SecurityHub RDS.26"},
			Remediation: "Tag the instance backup=true and keep an aws.backup.Selection on that tag (components/backup).",
			Types:       []string{tRDSInstance, tRDSCluster},
			Stack: func(c *Check, s *Stack) {
				for _, db := range s.OfType(tRDSInstance, tRDSCluster) {
					if isReplica(db) {
						continue
					}
					if !selectedForBackup(s, db) {
						c.Missing(s, db, "resources", []string{tBackupSelection}, "no backup selection covers the database")
					}
				}
			},
		},
		&Policy{
			Name:        "rds-replica-regional-key",
			Description: "Cross-region RDS replicas and backup replications are encrypted with a key of their own region.",
			Severity:    High, Enforcement: Mandatory, Control: 33,
			Frameworks:  []string{"CKV_AWS_245"},
			Remediation: "Set kmsKeyId to a KMS key created with the replica region's provider.",
			Types:       []string{tRDSInstance, tRDSBackupsReplication},
			Stack: func(c *Check, s *Stack) {
				for _, r := range s.OfType(tRDSInstance, tRDSBackupsReplication) {
					if r.Type == tRDSInstance && !strings.HasPrefix(r.Get("replicateSourceDb").Str(), "arn:") {
						continue // same-region replica or primary
					}
					key := r.Get("kmsKeyId")
					if key.Unknown() {
						continue
					}
					if key.Str() == "" {
						c.Fail(r, "the cross-region copy names no KMS key of its region")
						continue
					}
					if region := providerRegion(s, r); region != "" && arnRegion(key.Str()) != "" && arnRegion(key.Str()) != region {
						c.Fail(r, "the copy in %s is encrypted with a key of %s", region, arnRegion(key.Str()))
					}
				}
			},
		},
		&Policy{
			Name:        "rds-managed-master-password",
			Description: "The RDS master password is managed by RDS in Secrets Manager, never given in config or state.",
			Severity:    Critical, Enforcement: Mandatory, Control: 34,
			Frameworks:  []string{"FSBP SecretsManager.1", "PCI 8.3"}, // CONTROLS.md row 34 names "FSBP SecretsManager": the RDS-managed secret rotates automatically (SecretsManager.1)
			Remediation: "Remove password and set manageMasterUserPassword true with masterUserSecretKmsKeyId.",
			Types:       []string{tRDSInstance, tRDSCluster},
			Resource: func(c *Check, r *Resource) {
				if isReplica(r) {
					return
				}
				key := "password"
				if r.Type == tRDSCluster {
					key = "masterPassword"
				}
				if r.Get(key).Present() {
					c.Fail(r, "a master password is set in the program, so it lives in state")
				}
				requireTrue(c, r, "the master password is not managed by RDS", "manageMasterUserPassword")
			},
		},
	)
}

// selectedForBackup reports whether a backup selection names the resource
// or selects one of its tags. The selected tags are collected once per
// stack.
func selectedForBackup(s *Stack, r *Resource) bool {
	if len(s.Referencing(r, "resources", tBackupSelection)) > 0 {
		return true
	}
	selected := s.Memo("backup-selected-tags", func() any {
		out := map[[2]string]bool{}
		for _, sel := range s.OfType(tBackupSelection) {
			for _, t := range sel.Get("selectionTags").List() {
				if v := Of(t); v.At("key").Str() != "" {
					out[[2]string{v.At("key").Str(), v.At("value").Str()}] = true
				}
			}
			for _, t := range sel.Get("conditions", "stringEquals").List() {
				v := Of(t)
				if key := strings.TrimPrefix(v.At("key").Str(), "aws:ResourceTag/"); key != "" {
					out[[2]string{key, v.At("value").Str()}] = true
				}
			}
		}
		return out
	}).(map[[2]string]bool)
	for k, v := range r.Tags() {
		if selected[[2]string{k, v}] {
			return true
		}
	}
	return false
}

// providerRegion is the region of a resource's provider in the stack.
func providerRegion(s *Stack, r *Resource) string {
	if p, ok := s.ByURN(r.Provider); ok {
		return p.Get("region").Str()
	}
	return ""
}

// arnRegion is the region field of an ARN.
func arnRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

func init() {
	const rg = tCacheReplicationGrp
	register(
		&Policy{
			Name:        "elasticache-at-rest-cmk",
			Description: "ElastiCache encrypts data at rest with a customer-managed KMS key.",
			Severity:    High, Enforcement: Mandatory, Control: 35,
			Frameworks:  []string{"CKV_AWS_29", "CKV_AWS_191", "AVD-AWS-0045", "FSBP ElastiCache.4"},
			Remediation: "Set atRestEncryptionEnabled true and kmsKeyId to the data key.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "data at rest is not encrypted", "atRestEncryptionEnabled")
				requireSet(c, r, "data at rest is not encrypted with a customer-managed key", "kmsKeyId")
			},
		},
		&Policy{
			Name:        "elasticache-in-transit",
			Description: "ElastiCache requires TLS in transit.",
			Severity:    High, Enforcement: Mandatory, Control: 36,
			Frameworks:  []string{"CKV_AWS_30", "AVD-AWS-0051", "FSBP ElastiCache.5", "PCI 4.2.1"},
			Remediation: "Set transitEncryptionEnabled true (and transitEncryptionMode required).",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "traffic to the cache is not encrypted", "transitEncryptionEnabled")
				if r.Get("transitEncryptionMode").Str() == "preferred" {
					c.Fail(r, "transitEncryptionMode preferred still accepts plaintext clients")
				}
			},
		},
		&Policy{
			Name:        "elasticache-auth",
			Description: "ElastiCache requires authentication: RBAC user groups or an AUTH token.",
			Severity:    High, Enforcement: Mandatory, Control: 37,
			Frameworks:  []string{"CKV_AWS_31", "FSBP ElastiCache.6"},
			Remediation: "Set userGroupIds to an RBAC user group (preferred) or an authToken from Secrets Manager.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				if r.Get("authToken").Present() || len(r.Get("userGroupIds").List()) > 0 || r.Get("userGroupIds").Unknown() {
					return
				}
				c.Fail(r, "clients connect without authentication")
			},
		},
		&Policy{
			Name:        "elasticache-multi-az",
			Description: "ElastiCache replication groups are Multi-AZ with automatic failover.",
			Severity:    High, Enforcement: Mandatory, Control: 38,
			Frameworks:  []string{"CKV2_AWS_50", "FSBP ElastiCache.3"},
			Remediation: "Set multiAzEnabled and automaticFailoverEnabled true with at least one replica.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "the cache is not Multi-AZ", "multiAzEnabled")
				requireTrue(c, r, "the cache does not fail over automatically", "automaticFailoverEnabled")
			},
		},
		&Policy{
			Name:        "elasticache-snapshot-retention",
			Description: "ElastiCache keeps automatic snapshots.",
			Severity:    Medium, Enforcement: Mandatory, Control: 39,
			Frameworks:  []string{"CKV_AWS_134", "AVD-AWS-0050", "FSBP ElastiCache.1"},
			Remediation: "Set snapshotRetentionLimit (7 in production) and a snapshotWindow.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				requireAtLeast(c, r, float64(c.Params.MinSnapshotRetentionDays), 0, "snapshots are not kept", "snapshotRetentionLimit")
			},
		},
		&Policy{
			Name:        "elasticache-auto-minor-upgrade",
			Description: "ElastiCache applies minor engine upgrades automatically.",
			Severity:    Low, Enforcement: Advisory, Control: 40,
			Frameworks:  []string{"FSBP ElastiCache.2", "CKV_AWS_322"},
			Remediation: "Leave autoMinorVersionUpgrade at true.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				requireNotFalse(c, r, "automatic minor version upgrades are off", "autoMinorVersionUpgrade")
			},
		},
		&Policy{
			Name:        "elasticache-subnet-group",
			Description: "ElastiCache runs in a subnet group of the platform's data tier, never the default one.",
			Severity:    Medium, Enforcement: Mandatory, Control: 40,
			Frameworks:  []string{"FSBP ElastiCache.7", "CKV_AWS_323"},
			Remediation: "Set subnetGroupName to the network component's cache subnet group.",
			Types:       []string{rg},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("subnetGroupName")
				if v.Unknown() {
					return
				}
				if v.Str() == "" || v.Str() == "default" {
					c.Fail(r, "the cache uses the default subnet group")
				}
			},
		},
	)
}
