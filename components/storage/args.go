// Package storage owns the platform's S3 buckets: versioned, KMS-encrypted
// with a bucket key, private (all four public access block flags, ACLs
// disabled), TLS-only, lifecycle-managed, access-logged, with Object Lock
// for audit buckets and cross-region replication for critical ones.
package storage

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// BucketArgs configure one bucket.
type BucketArgs struct {
	// Namer gives the physical name and the account for policies.
	Namer naming.Namer
	// Purpose names the bucket (data, audit, access-logs); lower case.
	Purpose string
	// KmsKeyArn is the customer-managed key of default encryption. Required
	// unless AccessLogTarget.
	KmsKeyArn pulumi.StringInput
	// AccessLogTarget makes this the bucket that receives S3 server access
	// logs. AWS delivers those only to buckets with SSE-S3 default
	// encryption and no default Object Lock retention, so such a bucket
	// uses SSE-S3 (AES-256), keeps no lock, does not log to itself, and
	// admits the logging service for this account only.
	AccessLogTarget bool
	// AccessLogBucket is the name of the bucket that receives this bucket's
	// access logs. Required unless AccessLogTarget.
	AccessLogBucket pulumi.StringInput
	// ObjectLockRetentionDays > 0 enables Object Lock with a governance-mode
	// default retention (audit and log buckets).
	ObjectLockRetentionDays int
	// Lifecycle tunes the lifecycle rules; zero fields take defaults.
	Lifecycle Lifecycle
	// Replication, when set, replicates every object to a bucket in another
	// region.
	Replication *Replication
	// Protect turns on pulumi.Protect. Buckets are always retained on
	// delete: removing one from the program must never delete its data.
	Protect bool
	// Tags are extra tags (backup=true); required tags come from the
	// provider.
	Tags map[string]string
	// ServiceWriters are AWS services that deliver into this bucket
	// (CloudTrail, Config), each under its own prefix.
	ServiceWriters []ServiceWriter
}

// ServiceWriter lets an AWS service of this account write under a prefix.
type ServiceWriter struct {
	// Service is the service principal, such as cloudtrail.amazonaws.com.
	Service string
	// Prefix is the key prefix the service writes under.
	Prefix string
	// Account, when set, is the AWS-owned account that delivers for the
	// service in this region instead of its service principal (Elastic
	// Load Balancing in the regions older than August 2022).
	Account string
}

// elbLogAccounts are the accounts Elastic Load Balancing delivers access
// logs from in the regions that predate its log-delivery service
// principal (AWS docs, "Enable access logs for your Application Load
// Balancer", step 2).
var elbLogAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "sa-east-1": "507241528517",
}

// LoadBalancerLogs lets the region's Elastic Load Balancing deliver
// access logs under prefix.
func LoadBalancerLogs(region, prefix string) ServiceWriter {
	return ServiceWriter{Service: "logdelivery.elasticloadbalancing.amazonaws.com", Prefix: prefix, Account: elbLogAccounts[region]}
}

// Lifecycle is the bucket's lifecycle policy.
type Lifecycle struct {
	// TransitionToIADays moves current objects to Standard-IA (default 30).
	TransitionToIADays int
	// TransitionToGlacierDays moves them to Glacier Flexible Retrieval
	// (default 90).
	TransitionToGlacierDays int
	// NoncurrentVersionExpirationDays deletes old versions (default 365).
	NoncurrentVersionExpirationDays int
	// ExpirationDays deletes current objects; 0 keeps them (data buckets).
	ExpirationDays int
	// AbortIncompleteMultipartDays cleans up failed uploads (default 7).
	AbortIncompleteMultipartDays int
	// Hot keeps every object in Standard until it expires: stores that
	// read their objects at query time (Loki's chunks, Tempo's blocks)
	// would pay Standard-IA retrieval and could not read Glacier at all.
	// A hot bucket must expire its objects (ExpirationDays).
	Hot bool
}

// Replication is cross-region replication of every object.
type Replication struct {
	// Destination is the replica bucket, created with the other region's
	// provider; its versioning must exist before replication is set.
	Destination *Bucket
	// DestinationKmsKeyArn encrypts replicas, a key in the destination
	// region.
	DestinationKmsKeyArn pulumi.StringInput
	// DestinationRegion is the replica's region, for the KMS conditions.
	DestinationRegion string
}

// Defaults.
const (
	DefaultTransitionToIADays              = 30
	DefaultTransitionToGlacierDays         = 90
	DefaultNoncurrentVersionExpirationDays = 365
	DefaultAbortIncompleteMultipartDays    = 7
	// ReplicationTimeMinutes is the S3 Replication Time Control target, so
	// a replica is never more than 15 minutes behind (the RPO).
	ReplicationTimeMinutes = 15
)

var purposePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,20}$`)

func (a BucketArgs) withDefaults() BucketArgs {
	l := &a.Lifecycle
	if l.TransitionToIADays == 0 {
		l.TransitionToIADays = DefaultTransitionToIADays
	}
	if l.TransitionToGlacierDays == 0 {
		l.TransitionToGlacierDays = DefaultTransitionToGlacierDays
	}
	if l.NoncurrentVersionExpirationDays == 0 {
		l.NoncurrentVersionExpirationDays = DefaultNoncurrentVersionExpirationDays
	}
	if l.AbortIncompleteMultipartDays == 0 {
		l.AbortIncompleteMultipartDays = DefaultAbortIncompleteMultipartDays
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a BucketArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if !purposePattern.MatchString(a.Purpose) {
		add("purpose: must be 1-21 lower-case letters, digits and hyphens, got %q", a.Purpose)
	}
	if a.AccessLogTarget {
		if a.ObjectLockRetentionDays > 0 {
			add("objectLockRetentionDays: an access log target cannot have a default retention (S3 does not deliver server access logs to it)")
		}
		if a.Replication != nil {
			add("replication: access log targets are not replicated")
		}
	} else {
		if a.KmsKeyArn == nil {
			add("kmsKeyArn: is required: buckets are encrypted with a customer-managed key")
		}
		if a.AccessLogBucket == nil {
			add("accessLogBucket: is required: every bucket's access is logged")
		}
	}
	if a.ObjectLockRetentionDays < 0 {
		add("objectLockRetentionDays: must not be negative, got %d", a.ObjectLockRetentionDays)
	}
	l := a.Lifecycle
	if l.Hot && l.ExpirationDays == 0 {
		add("lifecycle.expirationDays: a hot bucket (no tiering) must expire its objects")
	}
	if l.TransitionToIADays < 30 {
		add("lifecycle.transitionToIaDays: must be at least 30 (the S3 minimum), got %d", l.TransitionToIADays)
	}
	if l.TransitionToGlacierDays < l.TransitionToIADays+30 {
		add("lifecycle.transitionToGlacierDays: must be at least 30 days after transitionToIaDays (%d), got %d", l.TransitionToIADays, l.TransitionToGlacierDays)
	}
	if l.NoncurrentVersionExpirationDays < a.ObjectLockRetentionDays {
		add("lifecycle.noncurrentVersionExpirationDays: must be at least objectLockRetentionDays (%d), got %d", a.ObjectLockRetentionDays, l.NoncurrentVersionExpirationDays)
	}
	if l.ExpirationDays < 0 || (l.ExpirationDays > 0 && l.ExpirationDays < a.ObjectLockRetentionDays) {
		add("lifecycle.expirationDays: must be 0 (keep) or at least objectLockRetentionDays (%d), got %d", a.ObjectLockRetentionDays, l.ExpirationDays)
	}
	if l.AbortIncompleteMultipartDays < 1 {
		add("lifecycle.abortIncompleteMultipartDays: must be positive, got %d", l.AbortIncompleteMultipartDays)
	}
	if r := a.Replication; r != nil {
		if r.Destination == nil {
			add("replication.destination: is required")
		}
		if r.DestinationKmsKeyArn == nil {
			add("replication.destinationKmsKeyArn: is required: replicas are encrypted with a key of their own region")
		}
		if r.DestinationRegion == "" || r.DestinationRegion == a.Namer.Region {
			add("replication.destinationRegion: must be another region than %q, got %q", a.Namer.Region, r.DestinationRegion)
		}
	}
	return errors.Join(errs...)
}
