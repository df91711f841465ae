package policies

import (
	"regexp"
	"strings"
)

// Resource types of the audit, detection, secrets and backup controls.
const (
	tTrail               = "aws:cloudtrail/trail:Trail"
	tGuardDuty           = "aws:guardduty/detector:Detector"
	tGuardDutyFeature    = "aws:guardduty/detectorFeature:DetectorFeature"
	tConfigRecorder      = "aws:cfg/recorder:Recorder"
	tSecurityHub         = "aws:securityhub/account:Account"
	tSecurityHubStandard = "aws:securityhub/standardsSubscription:StandardsSubscription"
	tSecret              = "aws:secretsmanager/secret:Secret"
	tSecretRotation      = "aws:secretsmanager/secretRotation:SecretRotation"
	tSecretVersion       = "aws:secretsmanager/secretVersion:SecretVersion"
	tSSMParameter        = "aws:ssm/parameter:Parameter"
)

// auditLogGroup matches the log groups that hold audit evidence.
var auditLogGroup = regexp.MustCompile(`(?i)(audit|cloudtrail|trail|flow-logs|waf|guardduty|security)`)

// guardDutyFeatures are the protections the platform needs, as detector
// feature names.
var guardDutyFeatures = []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RDS_LOGIN_EVENTS"}

func init() {
	register(
		&Policy{
			Name:        "cloudtrail-multi-region",
			Description: "The stack has a multi-region CloudTrail with global events, log file validation, KMS encryption and CloudWatch Logs delivery.",
			Severity:    High, Enforcement: Mandatory, Control: 54,
			Frameworks:  []string{"CKV_AWS_67", "CKV_AWS_36", "CKV_AWS_35", "CKV2_AWS_10", "FSBP CloudTrail.1", "FSBP CloudTrail.2", "FSBP CloudTrail.4", "FSBP CloudTrail.5", "CIS 3.1", "CIS 3.2", "CIS 3.5", "PCI 10.2.1"},
			Remediation: "Add the audit component's trail: isMultiRegionTrail, includeGlobalServiceEvents, enableLogFileValidation, kmsKeyId (logs key), cloudWatchLogsGroupArn.",
			Types:       []string{tTrail},
			Stack: func(c *Check, s *Stack) {
				trails := s.OfType(tTrail)
				if len(trails) == 0 && c.Params.RequireTrail {
					c.Absent(s, "the stack has no CloudTrail trail (params.requireTrail is on for this stack)")
				}
				for _, t := range trails {
					requireTrue(c, t, "the trail records one region only", "isMultiRegionTrail")
					requireTrue(c, t, "log files can be altered undetected", "enableLogFileValidation")
					requireSet(c, t, "the trail is not encrypted with a customer-managed key", "kmsKeyId")
					requireSet(c, t, "the trail does not deliver to CloudWatch Logs", "cloudWatchLogsGroupArn")
					requireNotFalse(c, t, "the trail misses global service events (IAM, STS)", "includeGlobalServiceEvents")
				}
			},
		},
		&Policy{
			Name:        "cloudtrail-bucket-private-logged",
			Description: "The bucket CloudTrail writes to blocks public access and logs its own access.",
			Severity:    High, Enforcement: Mandatory, Control: 55,
			Frameworks:  []string{"AVD-AWS-0161", "AVD-AWS-0163", "SecurityHub CloudTrail.6", "SecurityHub CloudTrail.7", "CIS 3.4"},
			Remediation: "Deliver the trail to the audit bucket of components/storage (public access blocked, access-logged).",
			Types:       []string{tTrail},
			Stack: func(c *Check, s *Stack) {
				for _, t := range s.OfType(tTrail) {
					for _, b := range s.Targets(t, "s3BucketName", bucketTypes...) {
						if len(s.Referencing(b, "bucket", tBucketPAB)) == 0 {
							c.Missing(s, b, "bucket", []string{tBucketPAB}, "the trail's bucket does not block public access")
						}
						if len(s.Referencing(b, "bucket", tBucketLogging)) == 0 && !b.Get("logging").Present() {
							c.Missing(s, b, "bucket", []string{tBucketLogging}, "the trail's bucket does not log access")
						}
					}
				}
			},
		},
		&Policy{
			Name:        "guardduty-enabled",
			Description: "GuardDuty is enabled with S3, EKS audit log and RDS login protection.",
			Severity:    High, Enforcement: Mandatory, Control: 56,
			Frameworks:  []string{"CKV_AWS_238", "CKV2_AWS_3", "FSBP GuardDuty.1", "FSBP GuardDuty.9", "FSBP GuardDuty.10", "PCI 11.5.1"},
			Remediation: "Add the audit component's detector with S3_DATA_EVENTS, EKS_AUDIT_LOGS and RDS_LOGIN_EVENTS features enabled.",
			Types:       []string{tGuardDuty},
			Stack: func(c *Check, s *Stack) {
				detectors := s.OfType(tGuardDuty)
				if len(detectors) == 0 && c.Params.RequireAccountBaseline {
					c.Absent(s, "the stack has no GuardDuty detector (the account baseline is required of this stack)")
				}
				for _, d := range detectors {
					requireNotFalse(c, d, "the detector is disabled", "enable")
					var enabled []string
					for _, f := range s.Referencing(d, "detectorId", tGuardDutyFeature) {
						if f.Get("status").Str() == "ENABLED" {
							enabled = append(enabled, f.Get("name").Str())
						}
					}
					if d.Get("datasources", "s3Logs", "enable").Bool() {
						enabled = append(enabled, "S3_DATA_EVENTS")
					}
					if d.Get("datasources", "kubernetes", "auditLogs", "enable").Bool() {
						enabled = append(enabled, "EKS_AUDIT_LOGS")
					}
					if missing := hasAll(enabled, guardDutyFeatures...); len(missing) > 0 {
						c.Fail(d, "GuardDuty protections are off: %s", describe(missing))
					}
				}
			},
		},
		&Policy{
			Name:        "config-records-all",
			Description: "AWS Config records all supported resource types, global ones included.",
			Severity:    High, Enforcement: Mandatory, Control: 57,
			Frameworks:  []string{"CKV2_AWS_45", "CKV2_AWS_48", "FSBP Config.1", "CIS 3.3"},
			Remediation: "Add the audit component's recorder with recordingGroup.allSupported and includeGlobalResourceTypes (in one region).",
			Types:       []string{tConfigRecorder},
			Stack: func(c *Check, s *Stack) {
				recorders := s.OfType(tConfigRecorder)
				if len(recorders) == 0 && c.Params.RequireAccountBaseline {
					c.Absent(s, "the stack has no AWS Config recorder (the account baseline is required of this stack)")
				}
				for _, r := range recorders {
					requireTrue(c, r, "the recorder does not record every resource type", "recordingGroup", "allSupported")
				}
			},
		},
		&Policy{
			Name:        "securityhub-standards",
			Description: "Security Hub is enabled with the AWS Foundational Security Best Practices and CIS standards.",
			Severity:    Medium, Enforcement: Mandatory, Control: 58,
			Frameworks:  []string{"CIS 4.16"},
			Remediation: "Add an aws.securityhub.Account and StandardsSubscriptions for FSBP and CIS AWS Foundations.",
			Types:       []string{tSecurityHub},
			Stack: func(c *Check, s *Stack) {
				if len(s.OfType(tSecurityHub)) == 0 {
					if c.Params.RequireAccountBaseline {
						c.Absent(s, "the stack does not enable Security Hub (the account baseline is required of this stack)")
					}
					return
				}
				var arns []string
				for _, st := range s.OfType(tSecurityHubStandard) {
					arns = append(arns, st.Get("standardsArn").Str())
				}
				joined := strings.Join(arns, " ")
				for _, want := range []string{"aws-foundational-security-best-practices", "cis-aws-foundations-benchmark"} {
					if !strings.Contains(joined, want) {
						c.Absent(s, "Security Hub is not subscribed to %s", want)
					}
				}
			},
		},
		&Policy{
			Name:        "log-group-encrypted-retention",
			Description: "Log groups are KMS-encrypted with a retention period; audit log groups keep at least 365 days.",
			Severity:    Medium, Enforcement: Mandatory, Control: 59,
			Frameworks:  []string{"CKV_AWS_158", "CKV_AWS_338", "PCI 10.5.1"},
			Remediation: "Set kmsKeyId to the logs key and retentionInDays (365 or more for audit logs).",
			Types:       []string{tLogGroup},
			Resource: func(c *Check, r *Resource) {
				requireSet(c, r, "the log group is not encrypted with a customer-managed key", "kmsKeyId")
				min := 1.0
				if auditLogGroup.MatchString(r.Get("name").Str()) || auditLogGroup.MatchString(r.Name) {
					min = float64(c.Params.AuditLogRetentionDays)
				}
				requireAtLeast(c, r, min, 0, "the log group's retention is not long enough", "retentionInDays")
			},
		},
		&Policy{
			Name:        "secrets-cmk",
			Description: "Secrets Manager secrets are encrypted with a customer-managed key.",
			Severity:    Medium, Enforcement: Mandatory, Control: 60,
			Frameworks:  []string{"CKV_AWS_149", "AVD-AWS-0098"},
			Remediation: "Set kmsKeyId to the secrets key.",
			Types:       []string{tSecret},
			Resource: func(c *Check, r *Resource) {
				requireSet(c, r, "the secret uses the AWS-managed key", "kmsKeyId")
			},
		},
		&Policy{
			Name:        "secrets-rotation",
			Description: "Secrets rotate automatically at least every 90 days.",
			Severity:    High, Enforcement: Mandatory, Control: 61,
			Frameworks:  []string{"CKV2_AWS_57", "CKV_AWS_304", "FSBP SecretsManager.1", "FSBP SecretsManager.4", "PCI 8.3"},
			Remediation: "Add an aws.secretsmanager.SecretRotation with rotationRules.automaticallyAfterDays of 90 or less.",
			Types:       []string{tSecret},
			Stack: func(c *Check, s *Stack) {
				for _, sec := range s.OfType(tSecret) {
					rotations := s.Referencing(sec, "secretId", tSecretRotation)
					if len(rotations) == 0 {
						c.Missing(s, sec, "secretId", []string{tSecretRotation}, "the secret does not rotate")
						continue
					}
					for _, rot := range rotations {
						days := rot.Get("rotationRules", "automaticallyAfterDays")
						expr := rot.Get("rotationRules", "scheduleExpression").Str()
						if n, ok := days.Num(); ok && n > float64(c.Params.MaxSecretRotationDays) {
							c.Fail(rot, "the secret rotates every %v days, more than %d", n, c.Params.MaxSecretRotationDays)
						} else if !ok && expr == "" && !days.Unknown() {
							c.Fail(rot, "the rotation has no period")
						}
					}
				}
			},
		},
		&Policy{
			Name:        "no-plaintext-credentials",
			Description: "No credential is stored in plaintext: not in ConfigMaps, container environment values, SSM String parameters, or unencrypted secret values in state.",
			Severity:    Critical, Enforcement: Mandatory, Control: 62,
			Frameworks:  []string{"platform success criterion"},
			Remediation: "Keep credentials in Secrets Manager (referenced, not copied) or Kubernetes Secrets mounted from it; mark Pulumi values as secrets.",
			Types:       append([]string{tSecretVersion, tSSMParameter, tConfigMap}, workloadTypes...),
			Resource:    checkPlaintextCredentials,
		},
		&Policy{
			Name:        "backup-vault-cmk",
			Description: "AWS Backup vaults are encrypted with a customer-managed key.",
			Severity:    High, Enforcement: Mandatory, Control: 63,
			Frameworks:  []string{"CKV_AWS_166", "FSBP Backup.1"},
			Remediation: "Set kmsKeyArn to the backup key.",
			Types:       []string{tBackupVault},
			Resource: func(c *Check, r *Resource) {
				requireSet(c, r, "the vault uses the AWS-managed key", "kmsKeyArn")
			},
		},
		&Policy{
			Name:        "backup-plan-dr-copy",
			Description: "Every backup plan rule copies its recovery points to a vault in another region.",
			Severity:    High, Enforcement: Mandatory, Control: 63,
			Frameworks:  []string{"CKV_AWS_166", "FSBP Backup.1"},
			Remediation: "Add copyActions with destinationVaultArn of the DR-region vault to each rule.",
			Types:       []string{tBackupPlan},
			Resource: func(c *Check, r *Resource) {
				for i, rule := range r.Get("rules").List() {
					v := Of(rule)
					copies := v.At("copyActions").List()
					if len(copies) == 0 {
						c.Fail(r, "rule %d (%s) keeps recovery points in one region only", i, v.At("ruleName").Str())
					}
				}
			},
		},
	)
}

// secretName matches keys and variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key)`)

func checkPlaintextCredentials(c *Check, r *Resource) {
	plain := func(v Value) bool {
		s, ok := v.Raw().(string)
		return ok && s != "" && s != SecretPlaceholder && !v.Unknown()
	}
	switch r.Type {
	case tSecretVersion:
		if plain(r.Get("secretString")) {
			c.Fail(r, "the secret value is in the program and in state as plaintext")
		}
	case tSSMParameter:
		if r.Get("type").Str() != "SecureString" && secretName.MatchString(r.Get("name").Str()+" "+r.Name) {
			c.Fail(r, "a credential-looking parameter is a plaintext %s", r.Get("type").Str())
		}
	case tConfigMap:
		for k := range r.Get("data").Map() {
			if secretName.MatchString(k) {
				c.Fail(r, "ConfigMap key %q looks like a credential", k)
			}
		}
	default:
		for _, ctr := range containers(r) {
			for _, e := range ctr.At("env").List() {
				env := Of(e)
				if secretName.MatchString(env.At("name").Str()) && plain(env.At("value")) {
					c.Fail(r, "container %s has credential %s as a plaintext environment value", ctr.At("name").Str(), env.At("name").Str())
				}
			}
		}
	}
}
