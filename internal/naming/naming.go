// Package naming owns the platform's physical resource names and its tag
// merge rules. Logical (Pulumi) names derive from component names; physical
// (AWS) names come only from here, so that every service's length and
// character limits are applied in one place and two stacks never collide.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"strings"
)

// Namer builds physical names for one project, environment, region and
// account. It is a plain value: components receive it in their Args.
type Namer struct {
	// Project is the Pulumi project name, the first part of every name.
	Project string
	// Environment is the value of the required `environment` tag.
	Environment string
	// Region is the AWS region the named resources live in.
	Region string
	// AccountID is the 12-digit AWS account id; it makes S3 names global.
	AccountID string
}

// InRegion returns the same namer for another region (the DR region).
func (n Namer) InRegion(region string) Namer {
	n.Region = region
	return n
}

// Partition is the AWS partition every ARN the platform writes is in.
const Partition = "aws"

// ARN formats an ARN in the namer's partition, region and account. Pass
// region "" for global services (IAM) and account "" for S3 buckets.
func (n Namer) ARN(service, resource string) string {
	region := n.Region
	if service == "iam" || service == "s3" {
		region = ""
	}
	account := n.AccountID
	if service == "s3" {
		account = ""
	}
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", Partition, service, region, account, resource)
}

// Service is an AWS naming domain with its own length and charset rules.
type Service struct {
	// Name identifies the service in error messages.
	Name string
	// MaxLen is the longest name AWS accepts.
	MaxLen int
	// Lower forces lower case (S3, RDS, ElastiCache identifiers).
	Lower bool
	// Invalid matches every character AWS rejects; each run becomes "-".
	Invalid *regexp.Regexp
	// Global names must be unique across all accounts (S3), so the account
	// id is appended.
	Global bool
	// Prefix is prepended after sanitising (for example "alias/").
	Prefix string
	// Sep joins the parts; "-" unless the service uses paths.
	Sep string
}

// The services the platform names. Limits are from the AWS API references.
var (
	// S3Bucket: 3-63 characters, lower-case letters, digits and hyphens.
	S3Bucket = Service{Name: "s3 bucket", MaxLen: 63, Lower: true, Invalid: regexp.MustCompile(`[^a-z0-9-]+`), Global: true, Sep: "-"}
	// IAMRole: 64 characters of [A-Za-z0-9+=,.@_-].
	IAMRole = Service{Name: "iam role", MaxLen: 64, Invalid: regexp.MustCompile(`[^A-Za-z0-9+=,.@_-]+`), Sep: "-"}
	// IAMPolicy: 128 characters of [A-Za-z0-9+=,.@_-].
	IAMPolicy = Service{Name: "iam policy", MaxLen: 128, Invalid: regexp.MustCompile(`[^A-Za-z0-9+=,.@_-]+`), Sep: "-"}
	// KMSAlias: "alias/" plus up to 250 characters of [A-Za-z0-9/_-].
	KMSAlias = Service{Name: "kms alias", MaxLen: 256, Invalid: regexp.MustCompile(`[^A-Za-z0-9/_-]+`), Prefix: "alias/", Sep: "-"}
	// LogGroup: 512 characters of [A-Za-z0-9_/.#-]; the platform uses paths.
	LogGroup = Service{Name: "log group", MaxLen: 512, Invalid: regexp.MustCompile(`[^A-Za-z0-9_/.#-]+`), Prefix: "/", Sep: "/"}
	// DBIdentifier: RDS instance, subnet and parameter group names: 63
	// lower-case letters, digits and hyphens, starting with a letter.
	DBIdentifier = Service{Name: "rds identifier", MaxLen: 63, Lower: true, Invalid: regexp.MustCompile(`[^a-z0-9-]+`), Sep: "-"}
	// CacheIdentifier: ElastiCache replication group and subnet group ids,
	// 40 lower-case letters, digits and hyphens.
	CacheIdentifier = Service{Name: "elasticache identifier", MaxLen: 40, Lower: true, Invalid: regexp.MustCompile(`[^a-z0-9-]+`), Sep: "-"}
	// EKSCluster: cluster and node group names, 100 characters of
	// [A-Za-z0-9_-] starting with a letter or digit.
	EKSCluster = Service{Name: "eks cluster", MaxLen: 100, Invalid: regexp.MustCompile(`[^A-Za-z0-9_-]+`), Sep: "-"}
	// Generic: Name tags, security group names and other 255-character names.
	Generic = Service{Name: "name", MaxLen: 255, Invalid: regexp.MustCompile(`[^A-Za-z0-9_.:/=+@-]+`), Sep: "-"}
)

// environmentCodes shortens the usual environment names; others are kept.
var environmentCodes = map[string]string{
	"production":  "prod",
	"staging":     "stg",
	"development": "dev",
	"sandbox":     "sbx",
}

// directionCodes shortens the direction words of region names.
var directionCodes = map[string]string{
	"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

// RegionCode shortens a region name: us-east-1 becomes use1, ap-southeast-2
// becomes apse2. Unknown shapes are returned without hyphens.
func RegionCode(region string) string {
	parts := strings.Split(region, "-")
	var b strings.Builder
	for i, p := range parts {
		if code, ok := directionCodes[p]; ok && i > 0 {
			b.WriteString(code)
			continue
		}
		b.WriteString(p)
	}
	return b.String()
}

// EnvironmentCode shortens an environment name (production becomes prod).
func EnvironmentCode(env string) string {
	if code, ok := environmentCodes[env]; ok {
		return code
	}
	return env
}

// Name builds the physical name of a resource of the given service from
// its parts: project, environment code, region code, the parts, and the
// account id for globally unique services. A name longer than the service
// allows is cut and ends in a hash of the full name, so it stays unique
// and stable.
func (n Namer) Name(svc Service, parts ...string) string {
	all := []string{n.Project, EnvironmentCode(n.Environment), RegionCode(n.Region)}
	all = append(all, parts...)
	if svc.Global {
		all = append(all, n.AccountID)
	}
	var kept []string
	for _, p := range all {
		if p != "" {
			kept = append(kept, p)
		}
	}
	full := strings.Join(kept, svc.Sep)
	if svc.Lower {
		full = strings.ToLower(full)
	}
	name := svc.Invalid.ReplaceAllString(full, "-")
	if svc.Sep == "-" {
		name = collapseHyphens(name)
	}
	name = strings.Trim(name, "-")
	limit := svc.MaxLen - len(svc.Prefix)
	if len(name) > limit {
		sum := sha256.Sum256([]byte(full))
		hash := hex.EncodeToString(sum[:])[:8]
		name = strings.TrimRight(name[:limit-len(hash)-1], "-"+svc.Sep) + "-" + hash
	}
	return svc.Prefix + name
}

var hyphens = regexp.MustCompile(`-{2,}`)

func collapseHyphens(s string) string { return hyphens.ReplaceAllString(s, "-") }

// Required tag keys: every AWS resource carries them through the provider's
// default tags, and the stack config must give a value for each.
const (
	TagEnvironment        = "environment"
	TagOwner              = "owner"
	TagCostCenter         = "cost-center"
	TagDataClassification = "data-classification"
	TagManagedBy          = "managed-by"
	TagStack              = "stack"
	TagProject            = "project"
	// TagBackup marks a data store for selection by the AWS Backup plan.
	TagBackup = "backup"
	// TagName is the console name of a resource.
	TagName = "Name"
)

// RequiredTagKeys are the keys every resource must carry.
var RequiredTagKeys = []string{TagEnvironment, TagOwner, TagCostCenter, TagDataClassification}

// MergeTags merges tag maps left to right into a new map; later maps win.
// Resource-level tags must never override the provider's required tags;
// the whole-stack tests in tests/ check that.
func MergeTags(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

// tagValue is the AWS tag value charset (letters, digits, spaces and
// _ . : / = + - @), up to 256 characters.
var tagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)

// ValidTagValue reports whether AWS accepts v as a tag value.
func ValidTagValue(v string) bool { return tagValue.MatchString(v) }
