package storage

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Bucket is one S3 bucket with its configuration resources.
type Bucket struct {
	pulumi.ResourceState

	// BucketName is the physical bucket name.
	BucketName pulumi.StringOutput
	// Arn is the bucket ARN.
	Arn pulumi.StringOutput

	// versioning must exist before replication into or out of the bucket.
	versioning *s3.BucketVersioningV2
}

// NewBucket creates a bucket and every configuration it needs.
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	if args == nil {
		args = &BucketArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("storage %s: %w", name, err)
	}
	b := &Bucket{}
	inputs := pulumi.Map{
		"purpose":                 pulumi.String(a.Purpose),
		"accessLogTarget":         pulumi.Bool(a.AccessLogTarget),
		"objectLockRetentionDays": pulumi.Int(a.ObjectLockRetentionDays),
		"replicated":              pulumi.Bool(a.Replication != nil),
		"protect":                 pulumi.Bool(a.Protect),
	}
	if err := ctx.RegisterComponentResourceV2("platform:storage:Bucket", name, inputs, b, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, b); err != nil {
		return nil, fmt.Errorf("storage %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{"bucketName": b.BucketName, "arn": b.Arn}); err != nil {
		return nil, err
	}
	return b, nil
}

func build(ctx *pulumi.Context, name string, a BucketArgs, b *Bucket) error {
	parent := pulumi.Parent(b)
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:            pulumi.String(a.Namer.Name(naming.S3Bucket, a.Purpose)),
		ObjectLockEnabled: pulumi.Bool(a.ObjectLockRetentionDays > 0),
		ForceDestroy:      pulumi.Bool(false), // never empty a bucket to delete it
		Tags:              pulumi.ToStringMap(a.Tags),
	}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
	if err != nil {
		return err
	}
	b.BucketName = bucket.Bucket
	b.Arn = bucket.Arn
	id := bucket.ID().ToStringOutput()

	// Ownership and public access come first: the bucket is never public,
	// not even between two resources of one deployment.
	ownership, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: id,
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent)
	if err != nil {
		return err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                id,
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  id,
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err != nil {
		return err
	}
	b.versioning = versioning

	sse := s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm:   pulumi.String("aws:kms"),
		KmsMasterKeyId: a.KmsKeyArn,
	}
	if a.AccessLogTarget {
		sse = s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("AES256"), // the only default S3 access logging accepts
		}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: id,
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   pulumi.Bool(!a.AccessLogTarget), // fewer KMS calls, lower cost
		}},
	}, parent); err != nil {
		return err
	}

	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: id,
		Policy: policydoc.FromOutputs(func(v []string) policydoc.Document {
			return BucketPolicy(a.Namer, v[0], a.AccessLogTarget, a.ServiceWriters...)
		}, bucket.Arn),
	}, parent, pulumi.DependsOn([]pulumi.Resource{pab, ownership})); err != nil {
		return err
	}

	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: id,
		Rules:  lifecycleRules(a),
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return err
	}

	if !a.AccessLogTarget {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket:       id,
			TargetBucket: a.AccessLogBucket,
			TargetPrefix: pulumi.Sprintf("%s/", bucket.Bucket),
			TargetObjectKeyFormat: s3.BucketLoggingV2TargetObjectKeyFormatArgs{
				PartitionedPrefix: s3.BucketLoggingV2TargetObjectKeyFormatPartitionedPrefixArgs{
					PartitionDateSource: pulumi.String("EventTime"),
				},
			},
		}, parent); err != nil {
			return err
		}
	}

	if a.ObjectLockRetentionDays > 0 {
		if _, err := s3.NewBucketObjectLockConfigurationV2(ctx, name, &s3.BucketObjectLockConfigurationV2Args{
			Bucket: id,
			Rule: s3.BucketObjectLockConfigurationV2RuleArgs{
				DefaultRetention: s3.BucketObjectLockConfigurationV2RuleDefaultRetentionArgs{
					// Governance: a named, audited principal can still lift a
					// lock; compliance mode could not be undone even by root.
					Mode: pulumi.String("GOVERNANCE"),
					Days: pulumi.Int(a.ObjectLockRetentionDays),
				},
			},
		}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
			return err
		}
	}

	if a.Replication != nil {
		if err := replicate(ctx, name, a, bucket, versioning, parent); err != nil {
			return err
		}
	}
	return nil
}

func lifecycleRules(a BucketArgs) s3.BucketLifecycleConfigurationV2RuleArray {
	l := a.Lifecycle
	rule := s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String("tiering-and-cleanup"),
		Status: pulumi.String("Enabled"),
		Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
			s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(l.TransitionToIADays), StorageClass: pulumi.String("STANDARD_IA")},
			s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(l.TransitionToGlacierDays), StorageClass: pulumi.String("GLACIER")},
		},
		NoncurrentVersionTransitions: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionTransitionArray{
			s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionTransitionArgs{NoncurrentDays: pulumi.Int(l.TransitionToIADays), StorageClass: pulumi.String("STANDARD_IA")},
		},
		NoncurrentVersionExpiration: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(l.NoncurrentVersionExpirationDays),
		},
		AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(l.AbortIncompleteMultipartDays),
		},
	}
	if l.Hot {
		rule.Transitions, rule.NoncurrentVersionTransitions = nil, nil
	}
	if l.ExpirationDays > 0 {
		rule.Expiration = s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(l.ExpirationDays)}
	}
	return s3.BucketLifecycleConfigurationV2RuleArray{rule}
}

// BucketPolicy denies every request without TLS, or with TLS older than
// 1.2, to anyone. An access log target also admits the S3 logging service,
// and service writers (CloudTrail, Config) may check the bucket and write
// under their prefix, for this account only.
func BucketPolicy(n naming.Namer, arn string, accessLogTarget bool, writers ...ServiceWriter) policydoc.Document {
	resources := []string{arn, arn + "/*"}
	statements := []policydoc.Statement{
		{
			Sid:       "DenyInsecureTransport",
			Effect:    policydoc.Deny,
			Principal: policydoc.Anyone,
			Action:    "s3:*",
			Resource:  resources,
			Condition: policydoc.Conditions{"Bool": {"aws:SecureTransport": "false"}},
		},
		{
			Sid:       "DenyOutdatedTLS",
			Effect:    policydoc.Deny,
			Principal: policydoc.Anyone,
			Action:    "s3:*",
			Resource:  resources,
			Condition: policydoc.Conditions{"NumericLessThan": {"s3:TlsVersion": "1.2"}},
		},
	}
	if accessLogTarget {
		statements = append(statements, policydoc.Statement{
			Sid:       "AllowS3ServerAccessLogs",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("logging.s3.amazonaws.com"),
			Action:    "s3:PutObject",
			Resource:  arn + "/*",
			Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}},
		})
	}
	for _, w := range writers {
		if w.Account != "" {
			statements = append(statements, policydoc.Statement{
				Sid:       "AllowLoadBalancerLogs",
				Effect:    policydoc.Allow,
				Principal: policydoc.AWS("arn:aws:iam::" + w.Account + ":root"),
				Action:    "s3:PutObject",
				Resource:  fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, w.Prefix, n.AccountID),
			})
			continue
		}
		name := strings.ReplaceAll(strings.TrimSuffix(w.Service, ".amazonaws.com"), ".", "")
		sid := strings.ToUpper(name[:1]) + name[1:]
		statements = append(statements,
			policydoc.Statement{
				Sid:       "Allow" + sid + "BucketCheck",
				Effect:    policydoc.Allow,
				Principal: policydoc.Service(w.Service),
				Action:    []string{"s3:GetBucketAcl", "s3:ListBucket"},
				Resource:  arn,
				Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}},
			},
			policydoc.Statement{
				Sid:       "Allow" + sid + "Write",
				Effect:    policydoc.Allow,
				Principal: policydoc.Service(w.Service),
				Action:    "s3:PutObject",
				Resource:  fmt.Sprintf("%s/%s/AWSLogs/%s/*", arn, w.Prefix, n.AccountID),
				Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}},
			})
	}
	return policydoc.New(statements...)
}

// replicate replicates every object, delete markers included, to the
// destination within 15 minutes (Replication Time Control), re-encrypted
// with the destination region's key, through a role that may read only
// this bucket and write only the destination.
func replicate(ctx *pulumi.Context, name string, a BucketArgs, bucket *s3.BucketV2, versioning *s3.BucketVersioningV2, parent pulumi.ResourceOption) error {
	r := a.Replication
	n := a.Namer
	trust := policydoc.ServiceTrust("s3.amazonaws.com", n.AccountID)
	role, err := iam.NewRole(ctx, name+"-replication", &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, a.Purpose, "replication")),
		Description:      pulumi.Sprintf("Replicates the %s bucket to %s", a.Purpose, r.DestinationRegion),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return err
	}
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		src, dst, srcKey, dstKey := v[0], v[1], v[2], v[3]
		return policydoc.New(
			policydoc.Statement{
				Sid:      "ReadSourceConfiguration",
				Effect:   policydoc.Allow,
				Action:   []string{"s3:GetReplicationConfiguration", "s3:ListBucket"},
				Resource: src,
			},
			policydoc.Statement{
				Sid:    "ReadSourceVersions",
				Effect: policydoc.Allow,
				Action: []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
					"s3:GetObjectRetention", "s3:GetObjectLegalHold"},
				Resource: src + "/*",
			},
			policydoc.Statement{
				Sid:      "WriteReplicas",
				Effect:   policydoc.Allow,
				Action:   []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"},
				Resource: dst + "/*",
			},
			policydoc.Statement{
				Sid:       "DecryptSource",
				Effect:    policydoc.Allow,
				Action:    "kms:Decrypt",
				Resource:  srcKey,
				Condition: policydoc.Conditions{"StringLike": {"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", n.Region)}},
			},
			policydoc.Statement{
				Sid:       "EncryptReplicas",
				Effect:    policydoc.Allow,
				Action:    []string{"kms:Encrypt", "kms:GenerateDataKey"},
				Resource:  dstKey,
				Condition: policydoc.Conditions{"StringLike": {"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", r.DestinationRegion)}},
			},
		)
	}, bucket.Arn, r.Destination.Arn, a.KmsKeyArn, r.DestinationKmsKeyArn)
	rolePolicy, err := iam.NewRolePolicy(ctx, name+"-replication", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return err
	}
	enabled := pulumi.String("Enabled")
	_, err = s3.NewBucketReplicationConfig(ctx, name, &s3.BucketReplicationConfigArgs{
		Bucket: bucket.ID().ToStringOutput(),
		Role:   role.Arn,
		Rules: s3.BucketReplicationConfigRuleArray{s3.BucketReplicationConfigRuleArgs{
			Id:                      pulumi.String("replicate-everything-to-" + r.DestinationRegion),
			Status:                  enabled,
			Priority:                pulumi.Int(1),
			Filter:                  s3.BucketReplicationConfigRuleFilterArgs{Prefix: pulumi.String("")},
			DeleteMarkerReplication: s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: enabled},
			SourceSelectionCriteria: s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
				SseKmsEncryptedObjects: s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: enabled},
			},
			Destination: s3.BucketReplicationConfigRuleDestinationArgs{
				Bucket:       r.Destination.Arn,
				StorageClass: pulumi.String("STANDARD"),
				EncryptionConfiguration: s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{
					ReplicaKmsKeyId: r.DestinationKmsKeyArn,
				},
				ReplicationTime: s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs{
					Status: enabled,
					Time:   s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs{Minutes: pulumi.Int(ReplicationTimeMinutes)},
				},
				Metrics: s3.BucketReplicationConfigRuleDestinationMetricsArgs{
					Status:         enabled,
					EventThreshold: s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs{Minutes: pulumi.Int(ReplicationTimeMinutes)},
				},
			},
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning, r.Destination.versioning, rolePolicy}))
	return err
}
