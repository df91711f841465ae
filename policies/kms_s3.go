package policies

import (
	"regexp"
	"slices"
	"strings"
)

// Resource types of the KMS and S3 controls.
const (
	tKMSKey          = "aws:kms/key:Key"
	tKMSKeyPolicy    = "aws:kms/keyPolicy:KeyPolicy"
	tBucketV2        = "aws:s3/bucketV2:BucketV2"
	tBucketLegacy    = "aws:s3/bucket:Bucket"
	tBucketPAB       = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tBucketSSE       = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	tBucketVersion   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tBucketReplic    = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	tBucketLogging   = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tBucketOwnership = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tBucketLock      = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
	tBucketACL       = "aws:s3/bucketAclV2:BucketAclV2"
)

var bucketTypes = []string{tBucketV2, tBucketLegacy}

// auditBucket matches the physical or logical names of audit and log
// buckets, which must carry Object Lock.
var auditBucket = regexp.MustCompile(`(^|[-_.])(audit|trail|logs?)([-_.]|$)`)

func init() {
	register(
		&Policy{
			Name:        "kms-key-rotation",
			Description: "Symmetric customer-managed KMS keys rotate automatically.",
			Severity:    High, Enforcement: Mandatory, Control: 10,
			Frameworks:  []string{"CKV_AWS_7", "AVD-AWS-0065", "SecurityHub KMS.4", "CIS 3.6", "PCI 3.7.4"},
			Remediation: "Set enableKeyRotation to true (components/kms does).",
			Types:       []string{tKMSKey},
			Resource: func(c *Check, r *Resource) {
				spec := r.Get("customerMasterKeySpec").Str()
				if spec == "" {
					spec = r.Get("keySpec").Str()
				}
				if spec != "" && spec != "SYMMETRIC_DEFAULT" {
					return // AWS rotates only symmetric keys
				}
				requireTrue(c, r, "the key does not rotate", "enableKeyRotation")
			},
		},
		&Policy{
			Name:        "kms-no-wildcard-principal",
			Description: "KMS key policies grant nothing to a wildcard principal without conditions.",
			Severity:    Critical, Enforcement: Mandatory, Control: 11,
			Frameworks:  []string{"CKV_AWS_33", "FSBP KMS.5"},
			Remediation: "Name the principals (the account root, roles, services with aws:SourceAccount conditions) instead of \"*\".",
			Types:       []string{tKMSKey, tKMSKeyPolicy},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("policy")
				if !v.Present() {
					return // the AWS default key policy names the account root
				}
				if v.Unknown() {
					c.Undecided(r, "policy")
					return
				}
				statements, ok := policyStatements(v)
				if !ok {
					c.Fail(r, "the key policy is not a valid JSON policy document")
					return
				}
				for _, st := range statements {
					if st["Effect"] == "Allow" && principalIsWildcard(st["Principal"]) && len(asMap(st["Condition"])) == 0 {
						c.Fail(r, "statement %v allows any principal without conditions", st["Sid"])
					}
				}
			},
		},
		&Policy{
			Name:        "kms-deletion-window",
			Description: "KMS keys wait at least the configured window (30 days in production) before deletion.",
			Severity:    Medium, Enforcement: Mandatory, Control: 12,
			Frameworks:  []string{"FSBP KMS.3", "PCI 3.6.1"},
			Remediation: "Set deletionWindowInDays to 30 (platform:kms.deletionWindowDays).",
			Types:       []string{tKMSKey},
			Resource: func(c *Check, r *Resource) {
				requireAtLeast(c, r, float64(c.Params.MinKeyDeletionWindowDays), 30, "the key's deletion window is too short", "deletionWindowInDays")
			},
		},
		&Policy{
			Name:        "s3-public-access-block",
			Description: "Every bucket blocks public access with all four public access block flags and grants no public ACL.",
			Severity:    Critical, Enforcement: Mandatory, Control: 13,
			Frameworks:  []string{"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6", "FSBP S3.8", "CIS 2.1.4"},
			Remediation: "Add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketPAB, checkPublicAccessBlock, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				if acl := b.Get("acl").Str(); strings.HasPrefix(acl, "public") {
					c.Fail(b, "the bucket grants the %s ACL", acl)
				}
				blocks := s.Referencing(b, "bucket", tBucketPAB)
				if len(blocks) == 0 {
					c.Missing(s, b, "bucket", []string{tBucketPAB}, "the bucket has no public access block")
					return
				}
				checkPublicAccessBlock(c, blocks[0])
			})),
		},
		&Policy{
			Name:        "s3-kms-encryption",
			Description: "Every bucket's default encryption uses a customer-managed KMS key.",
			Severity:    High, Enforcement: Mandatory, Control: 14,
			Frameworks:  []string{"CKV_AWS_145", "CKV_AWS_19", "AVD-AWS-0132", "SecurityHub S3.17", "PCI 3.5.1"},
			Remediation: "Add an aws.s3.BucketServerSideEncryptionConfigurationV2 with sseAlgorithm aws:kms and kmsMasterKeyId set to a customer-managed key.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketSSE, func(c *Check, cfg *Resource) { checkEncryptionRules(c, cfg, cfg.Get("rules").List()) }, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				var rules []any
				for _, cfg := range s.Referencing(b, "bucket", tBucketSSE) {
					rules = append(rules, cfg.Get("rules").List()...)
				}
				rules = append(rules, b.Get("serverSideEncryptionConfiguration", "rule").List()...)
				if len(rules) == 0 {
					c.Missing(s, b, "bucket", []string{tBucketSSE}, "the bucket has no default encryption configuration")
					return
				}
				checkEncryptionRules(c, b, rules)
			})),
		},
		&Policy{
			Name:        "s3-deny-insecure-transport",
			Description: "Every bucket policy denies requests made without TLS.",
			Severity:    High, Enforcement: Mandatory, Control: 15,
			Frameworks:  []string{"CKV_AWS_379", "FSBP S3.5", "CIS 2.1.1", "PCI 4.2.1"},
			Remediation: "Add a Deny statement for s3:* on the bucket and its objects with condition Bool aws:SecureTransport false.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketPolicy, func(c *Check, p *Resource) {
				if denies, known := deniesInsecureTransport(p.Get("policy")); !known {
					c.Undecided(p, "policy")
				} else if !denies {
					c.Fail(p, "the bucket policy does not deny requests without TLS (aws:SecureTransport false)")
				}
			}, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				docs := []Value{b.Get("policy")}
				for _, p := range s.Referencing(b, "bucket", tBucketPolicy) {
					docs = append(docs, p.Get("policy"))
				}
				for _, d := range docs {
					denies, known := deniesInsecureTransport(d)
					if !known {
						c.Undecided(b, "policy")
						return
					}
					if denies {
						return
					}
				}
				c.Missing(s, b, "bucket", []string{tBucketPolicy}, "no bucket policy denies requests without TLS (aws:SecureTransport false)")
			})),
		},
		&Policy{
			Name:        "s3-versioning",
			Description: "Every bucket has versioning enabled.",
			Severity:    Medium, Enforcement: Mandatory, Control: 16,
			Frameworks:  []string{"CKV_AWS_21", "AVD-AWS-0090", "SecurityHub S3.14"},
			Remediation: "Add an aws.s3.BucketVersioningV2 with status Enabled.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketVersion, func(c *Check, v *Resource) {
				if st := v.Get("versioningConfiguration", "status"); !st.Unknown() && st.Str() != "Enabled" {
					c.Fail(v, "versioning is %s, not Enabled", orNone(st.Str()))
				}
			}, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				if b.Get("versioning", "enabled").Bool() {
					return
				}
				for _, v := range s.Referencing(b, "bucket", tBucketVersion) {
					st := v.Get("versioningConfiguration", "status")
					if st.Unknown() || st.Str() == "Enabled" {
						return
					}
				}
				c.Missing(s, b, "bucket", []string{tBucketVersion}, "versioning is not enabled")
			})),
		},
		&Policy{
			Name:        "s3-lifecycle",
			Description: "Every bucket has an enabled lifecycle rule that aborts incomplete multipart uploads.",
			Severity:    Low, Enforcement: Advisory, Control: 17,
			Frameworks:  []string{"CKV2_AWS_61", "CKV_AWS_300", "FSBP S3.13", "SecurityHub S3.10"},
			Remediation: "Add an aws.s3.BucketLifecycleConfigurationV2 rule with abortIncompleteMultipartUpload (components/storage uses 7 days) and storage-class transitions.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketLifecycle, func(c *Check, l *Resource) {
				if !abortsUploads(l.Get("rules").List()) {
					c.Fail(l, "no enabled lifecycle rule aborts incomplete multipart uploads")
				}
			}, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				var rules []any
				for _, l := range s.Referencing(b, "bucket", tBucketLifecycle) {
					rules = append(rules, l.Get("rules").List()...)
				}
				rules = append(rules, b.Get("lifecycleRules").List()...)
				if len(rules) == 0 {
					c.Missing(s, b, "bucket", []string{tBucketLifecycle}, "the bucket has no lifecycle rules")
					return
				}
				if !abortsUploads(rules) {
					c.Fail(b, "no enabled lifecycle rule aborts incomplete multipart uploads")
				}
			})),
		},
		&Policy{
			Name:        "s3-cross-region-replication",
			Description: "Critical buckets (tagged backup=true, or with Object Lock) replicate to another region.",
			Severity:    High, Enforcement: Mandatory, Control: 18,
			Frameworks:  []string{"CKV_AWS_144", "SecurityHub S3.7"},
			Remediation: "Add an aws.s3.BucketReplicationConfig to a bucket in the DR region (components/storage Replication).",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketReplic, func(c *Check, rc *Resource) {
				if !replicates(rc) {
					c.Fail(rc, "no replication rule is enabled")
				}
			}, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				critical := b.Tags()["backup"] == "true" || b.Get("objectLockEnabled").Bool()
				if !critical || isReplicaDestination(s, b) {
					return
				}
				for _, rc := range s.Referencing(b, "bucket", tBucketReplic) {
					if replicates(rc) {
						return
					}
				}
				if len(b.Get("replicationConfiguration", "rules").List()) > 0 {
					return
				}
				c.Missing(s, b, "bucket", []string{tBucketReplic}, "the critical bucket is not replicated to another region")
			})),
		},
		&Policy{
			Name:        "s3-access-logging",
			Description: "Every bucket logs its server access to a log bucket.",
			Severity:    Medium, Enforcement: Mandatory, Control: 19,
			Frameworks:  []string{"CKV_AWS_18", "AVD-AWS-0089", "FSBP S3.9", "PCI 10.2.1"},
			Remediation: "Add an aws.s3.BucketLoggingV2 targeting the access-log bucket.",
			Types:       bucketTypes,
			Stack: forEachBucket(func(c *Check, s *Stack, b *Resource) {
				if len(s.Referencing(b, "bucket", tBucketLogging)) > 0 || b.Get("logging", "targetBucket").Present() || len(b.Get("loggings").List()) > 0 {
					return
				}
				c.Missing(s, b, "bucket", []string{tBucketLogging}, "server access logging is not enabled")
			}),
		},
		&Policy{
			Name:        "s3-acls-disabled",
			Description: "Every bucket disables ACLs with BucketOwnerEnforced object ownership.",
			Severity:    Medium, Enforcement: Mandatory, Control: 20,
			Frameworks:  []string{"CKV2_AWS_65", "FSBP S3.12"},
			Remediation: "Add an aws.s3.BucketOwnershipControls with objectOwnership BucketOwnerEnforced.",
			Types:       bucketTypes,
			Stack: withOrphans(tBucketOwnership, func(c *Check, o *Resource) {
				if v := o.Get("rule", "objectOwnership"); !v.Unknown() && v.Str() != "BucketOwnerEnforced" {
					c.Fail(o, "object ownership is %s: ACLs stay enabled", orNone(v.Str()))
				}
			}, forEachBucket(func(c *Check, s *Stack, b *Resource) {
				for _, o := range s.Referencing(b, "bucket", tBucketOwnership) {
					if v := o.Get("rule", "objectOwnership"); v.Unknown() || v.Str() == "BucketOwnerEnforced" {
						return
					}
				}
				c.Missing(s, b, "bucket", []string{tBucketOwnership}, "ACLs are not disabled (no BucketOwnerEnforced ownership controls)")
			})),
		},
		&Policy{
			Name:        "s3-object-lock-audit",
			Description: "Audit and log buckets have Object Lock with a default retention.",
			Severity:    High, Enforcement: Mandatory, Control: 21,
			Frameworks:  []string{"CKV_AWS_143", "SecurityHub S3.15"},
			Remediation: "Create the bucket with objectLockEnabled and add an aws.s3.BucketObjectLockConfigurationV2 with a default retention.",
			Types:       bucketTypes,
			Stack: forEachBucket(func(c *Check, s *Stack, b *Resource) {
				if !auditBucket.MatchString(b.Name) && !auditBucket.MatchString(b.Get("bucket").Str()) {
					return
				}
				if !b.Get("objectLockEnabled").Bool() && !b.Get("objectLockConfiguration", "objectLockEnabled").Present() {
					c.Fail(b, "the audit or log bucket does not have Object Lock enabled")
					return
				}
				for _, l := range s.Referencing(b, "bucket", tBucketLock) {
					if l.Get("rule", "defaultRetention").Present() {
						return
					}
				}
				if b.Get("objectLockConfiguration", "rule", "defaultRetention").Present() {
					return
				}
				c.Missing(s, b, "bucket", []string{tBucketLock}, "Object Lock is enabled but no default retention protects new objects")
			}),
		},
	)
}

// withOrphans extends a bucket policy to the companions of type typ whose
// bucket is not in the view: an update preview lists only what changes, so
// a companion that changes alone (versioning suspended on an unchanged
// bucket) is judged on its own evidence.
func withOrphans(typ string, judge func(c *Check, r *Resource), buckets func(c *Check, s *Stack)) func(c *Check, s *Stack) {
	return func(c *Check, s *Stack) {
		buckets(c, s)
		for _, r := range s.OfType(typ) {
			if len(s.Targets(r, "bucket", bucketTypes...)) == 0 {
				judge(c, r)
			}
		}
	}
}

func checkPublicAccessBlock(c *Check, block *Resource) {
	for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		requireTrue(c, block, "the public access block is incomplete", flag)
	}
}

// checkEncryptionRules judges default-encryption rules, reporting on r.
func checkEncryptionRules(c *Check, r *Resource, rules []any) {
	for _, rule := range rules {
		def := Of(rule).At("applyServerSideEncryptionByDefault")
		if def.ContainsUnknown() {
			c.Undecided(r, "applyServerSideEncryptionByDefault")
			continue
		}
		alg := def.At("sseAlgorithm").Str()
		if !strings.HasPrefix(alg, "aws:kms") {
			c.Fail(r, "default encryption is %s, not a customer-managed KMS key", orNone(alg))
		} else if def.At("kmsMasterKeyId").Str() == "" {
			c.Fail(r, "default encryption uses the AWS-managed aws/s3 key, not a customer-managed key")
		}
	}
}

// deniesInsecureTransport reports whether a policy document denies
// requests without TLS, and whether that is known yet.
func deniesInsecureTransport(doc Value) (denies, known bool) {
	if doc.Unknown() {
		return false, false
	}
	statements, _ := policyStatements(doc)
	for _, st := range statements {
		if st["Effect"] == "Deny" && Of(st["Condition"]).At("Bool", "aws:SecureTransport").Str() == "false" {
			return true, true
		}
	}
	return false, true
}

func abortsUploads(rules []any) bool {
	for _, rule := range rules {
		v := Of(rule)
		enabled := v.At("status").Str() == "Enabled" || v.At("enabled").Bool()
		abort := v.At("abortIncompleteMultipartUpload", "daysAfterInitiation").Present() || v.At("abortIncompleteMultipartUploadDays").Present()
		if enabled && abort {
			return true
		}
	}
	return false
}

// replicates reports whether a replication configuration has an enabled
// (or not yet known) rule.
func replicates(rc *Resource) bool {
	for _, rule := range rc.Get("rules").List() {
		if st := Of(rule).At("status"); st.Unknown() || st.Str() == "Enabled" {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "not set"
	}
	return s
}

// forEachBucket turns a per-bucket check that needs the bucket's separate
// configuration resources into a stack policy.
func forEachBucket(check func(c *Check, s *Stack, b *Resource)) func(c *Check, s *Stack) {
	return func(c *Check, s *Stack) {
		for _, b := range s.OfType(bucketTypes...) {
			check(c, s, b)
		}
	}
}

// isReplicaDestination reports whether a replication configuration of the
// stack writes into b: its rules depend on b (how a real preview knows,
// where the replica's ARN is not known yet), or name b's ARN or name. The
// destinations are collected once per stack.
func isReplicaDestination(s *Stack, b *Resource) bool {
	dests := s.Memo("s3-replica-destinations", func() any {
		out := map[*Resource]bool{}
		for _, rc := range s.OfType(tBucketReplic) {
			sources := s.Targets(rc, "bucket", bucketTypes...)
			for _, d := range s.Targets(rc, "rules", bucketTypes...) {
				if !slices.Contains(sources, d) {
					out[d] = true
				}
			}
			for _, rule := range rc.Get("rules").List() {
				dest := Of(rule).At("destination", "bucket").Str()
				if dest == "" {
					continue
				}
				for _, t := range bucketTypes {
					for _, key := range []string{dest, strings.TrimPrefix(dest, "arn:aws:s3:::")} {
						for _, d := range s.idIndex(t)[key] {
							out[d] = true
						}
					}
				}
			}
		}
		return out
	}).(map[*Resource]bool)
	return dests[b]
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
