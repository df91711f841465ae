package policies

import (
	"fmt"
	"slices"
	"strings"
)

// Resource types of the OpenSearch (78) and fault-injection (80) controls.
// The legacy Elasticsearch types take the same inputs for what these
// controls read.
const (
	tOpenSearchDomain       = "aws:opensearch/domain:Domain"
	tOpenSearchDomainPolicy = "aws:opensearch/domainPolicy:DomainPolicy"
	tESDomain               = "aws:elasticsearch/domain:Domain"
	tESDomainPolicy         = "aws:elasticsearch/domainPolicy:DomainPolicy"
	tFISTemplate            = "aws:fis/experimentTemplate:ExperimentTemplate"
)

var searchDomainTypes = []string{tOpenSearchDomain, tESDomain}

// searchTLSPolicies are the endpoint TLS policies that refuse anything
// older than TLS 1.2 (Policy-Min-TLS-1-0-2019-07 accepts TLS 1.0).
var searchTLSPolicies = []string{"Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-2-2019-07"}

// searchRequiredLogs are the log types a domain must publish: the error
// log (FSBP Opensearch.4) and the audit log (Opensearch.5).
var searchRequiredLogs = []string{"AUDIT_LOGS", "ES_APPLICATION_LOGS"}

// fisAlarmSource is the stop-condition source that ties an experiment to
// a CloudWatch alarm; "none" stops nothing.
const fisAlarmSource = "aws:cloudwatch:alarm"

func init() {
	register(
		&Policy{
			Name:        "opensearch-encrypted-at-rest",
			Description: "OpenSearch domains encrypt data at rest with a customer-managed KMS key.",
			Severity:    Critical, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV_AWS_5", "FSBP Opensearch.1"},
			Remediation: "Set encryptAtRest.enabled true and encryptAtRest.kmsKeyId to the logs key's ARN (components/search does).",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "the domain's data is not encrypted at rest", "encryptAtRest", "enabled")
				requireSet(c, r, "the domain is not encrypted with a customer-managed key (AWS uses the aws/es key)", "encryptAtRest", "kmsKeyId")
				if key := r.Get("encryptAtRest", "kmsKeyId").Str(); strings.Contains(key, "alias/aws/") {
					c.Fail(r, "the domain is encrypted with the AWS-managed key %s, not a customer-managed one", key)
				}
			},
		},
		&Policy{
			Name:        "opensearch-node-to-node-encryption",
			Description: "OpenSearch domains encrypt traffic between their nodes.",
			Severity:    High, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV_AWS_6", "FSBP Opensearch.3"},
			Remediation: "Set nodeToNodeEncryption.enabled true (a new domain; enabling it later is a blue/green change).",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "traffic between the domain's nodes is not encrypted", "nodeToNodeEncryption", "enabled")
			},
		},
		&Policy{
			Name:        "opensearch-https-tls12",
			Description: "OpenSearch domains accept HTTPS only, with a TLS 1.2 or later security policy.",
			Severity:    High, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV_AWS_83", "CKV_AWS_228", "FSBP Opensearch.8"},
			Remediation: "Set domainEndpointOptions.enforceHttps true and tlsSecurityPolicy Policy-Min-TLS-1-2-PFS-2023-10.",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "the domain accepts plain HTTP", "domainEndpointOptions", "enforceHttps")
				switch v := r.Get("domainEndpointOptions", "tlsSecurityPolicy"); {
				case v.Unknown():
					c.Undecided(r, "domainEndpointOptions.tlsSecurityPolicy")
				case !v.Present():
					c.Fail(r, "the domain names no TLS security policy, so it keeps whatever AWS defaults to; name one of %s", describe(searchTLSPolicies))
				case !slices.Contains(searchTLSPolicies, v.Str()):
					c.Fail(r, "the TLS security policy %s accepts TLS older than 1.2", v.Str())
				}
			},
		},
		&Policy{
			Name:        "opensearch-in-vpc",
			Description: "OpenSearch domains live in a VPC, never on a public endpoint.",
			Severity:    Critical, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV_AWS_137", "FSBP Opensearch.2"},
			Remediation: "Set vpcOptions.subnetIds to the private subnets and vpcOptions.securityGroupIds to a group that admits 443 from the VPC (a new domain: VPC placement cannot be added later).",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				v := r.Get("vpcOptions", "subnetIds")
				if v.Unknown() {
					return // set, to subnets known at deploy
				}
				if len(v.List()) == 0 {
					c.Fail(r, "the domain has a public endpoint (vpcOptions.subnetIds is not set)")
				}
			},
		},
		&Policy{
			Name:        "opensearch-fine-grained-access",
			Description: "OpenSearch domains use fine-grained access control with an IAM master user, no internal user database and no anonymous access.",
			Severity:    High, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV2_AWS_52", "FSBP Opensearch.7"},
			Remediation: "Set advancedSecurityOptions.enabled true, internalUserDatabaseEnabled false, anonymousAuthEnabled false and masterUserOptions.masterUserArn to the platform admin role.",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				requireTrue(c, r, "fine-grained access control is off", "advancedSecurityOptions", "enabled")
				requireNotTrue(c, r, "the domain lets anonymous users in", "advancedSecurityOptions", "anonymousAuthEnabled")
				requireNotTrue(c, r, "the domain keeps its own users and passwords instead of IAM", "advancedSecurityOptions", "internalUserDatabaseEnabled")
			},
		},
		&Policy{
			Name:        "opensearch-audit-error-logs",
			Description: "OpenSearch domains publish their audit and error logs to CloudWatch Logs.",
			Severity:    Medium, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"CKV_AWS_317", "FSBP Opensearch.4", "FSBP Opensearch.5"},
			Remediation: "Add logPublishingOptions for AUDIT_LOGS and ES_APPLICATION_LOGS, each to an encrypted log group, with a CloudWatch Logs resource policy that lets es.amazonaws.com write them.",
			Types:       searchDomainTypes,
			Resource:    checkSearchLogs,
		},
		&Policy{
			Name:        "opensearch-multi-az",
			Description: "OpenSearch domains run at least 3 data nodes with zone awareness across 3 availability zones.",
			Severity:    High, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"FSBP Opensearch.6"},
			Remediation: "Set clusterConfig.instanceCount to a multiple of 3 (at least 3), zoneAwarenessEnabled true and zoneAwarenessConfig.availabilityZoneCount 3.",
			Types:       searchDomainTypes,
			Resource: func(c *Check, r *Resource) {
				requireAtLeast(c, r, 3, 1, "the domain has fewer than 3 data nodes", "clusterConfig", "instanceCount")
				requireTrue(c, r, "the domain is not zone-aware", "clusterConfig", "zoneAwarenessEnabled")
				requireAtLeast(c, r, float64(c.Params.MinAZs), 2, "the domain spans too few availability zones", "clusterConfig", "zoneAwarenessConfig", "availabilityZoneCount")
			},
		},
		&Policy{
			Name:        "opensearch-no-wildcard-principal",
			Description: "OpenSearch access policies name their principals: no statement allows a wildcard principal.",
			Severity:    Critical, Enforcement: Mandatory, Control: 78,
			Frameworks:  []string{"FSBP Opensearch.2", "FSBP Opensearch.7"},
			Remediation: "Name the roles that may call the domain (the writers, the readers, the master role) in the access policy instead of \"*\"; fine-grained access control maps them inside OpenSearch.",
			Types:       []string{tOpenSearchDomainPolicy, tESDomainPolicy, tOpenSearchDomain, tESDomain},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("accessPolicies")
				if !v.Present() {
					return // no resource policy: only identity policies grant access
				}
				if v.Unknown() {
					c.Undecided(r, "accessPolicies")
					return
				}
				statements, ok := policyStatements(v)
				if !ok {
					c.Fail(r, "the access policy is not a valid JSON policy document")
					return
				}
				for i, st := range statements {
					if st["Effect"] != "Allow" {
						continue
					}
					sid := fmt.Sprint(st["Sid"])
					if st["Sid"] == nil {
						sid = fmt.Sprintf("#%d", i)
					}
					switch {
					case principalIsWildcard(st["Principal"]):
						c.Fail(r, "statement %s allows any principal", sid)
					case st["NotPrincipal"] != nil:
						c.Fail(r, "statement %s allows every principal but those it names (NotPrincipal)", sid)
					}
				}
			},
		},
		&Policy{
			Name:        "fis-alarm-stop-condition",
			Description: "Every FIS experiment template stops on a CloudWatch alarm.",
			Severity:    High, Enforcement: Mandatory, Control: 80,
			Frameworks:  []string{"AWS FIS best practice", "platform success criterion (chaos engineering)"},
			Remediation: "Add a stopConditions entry with source aws:cloudwatch:alarm and value the ARN of the alarm that pages on the experiment's blast radius (not source none).",
			Types:       []string{tFISTemplate},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("stopConditions")
				if v.Unknown() {
					c.Undecided(r, "stopConditions")
					return
				}
				var sources []string
				undecided := false
				for _, e := range v.List() {
					sc := Of(e)
					source := sc.At("source")
					if source.Unknown() {
						undecided = true
						continue
					}
					sources = append(sources, source.Str())
					value := sc.At("value")
					if source.Str() == fisAlarmSource && (value.Unknown() || value.Str() != "") {
						return
					}
				}
				if undecided {
					c.Undecided(r, "stopConditions[].source")
					return
				}
				if len(sources) == 0 {
					sources = []string{"none given"}
				}
				c.Fail(r, "the experiment has no CloudWatch alarm stop condition (sources: %s): nothing stops it when it hurts", strings.Join(sources, ", "))
			},
		},
		&Policy{
			Name:        "fis-experiment-logging",
			Description: "Every FIS experiment template logs its runs to CloudWatch Logs or S3.",
			Severity:    Medium, Enforcement: Mandatory, Control: 80,
			Frameworks:  []string{"AWS FIS best practice", "platform success criterion (chaos engineering)"},
			Remediation: "Set logConfiguration with logSchemaVersion 2 and cloudwatchLogsConfiguration.logGroupArn (an encrypted group) or s3Configuration.bucketName.",
			Types:       []string{tFISTemplate},
			Resource: func(c *Check, r *Resource) {
				cfg := r.Get("logConfiguration")
				if cfg.Unknown() {
					c.Undecided(r, "logConfiguration")
					return
				}
				if !cfg.Present() {
					c.Fail(r, "the experiment's runs are not logged (logConfiguration is not set)")
					return
				}
				for _, dest := range [][]any{{"cloudwatchLogsConfiguration", "logGroupArn"}, {"s3Configuration", "bucketName"}} {
					if d := cfg.At(dest...); d.Unknown() || d.Str() != "" {
						return
					}
				}
				c.Fail(r, "the experiment's log configuration names no destination (cloudwatchLogsConfiguration.logGroupArn or s3Configuration.bucketName)")
			},
		},
	)
}

// checkSearchLogs fails a domain that does not publish each required log
// type to a log group. An option's enabled flag defaults to true in the
// provider, so only an explicit false turns it off.
func checkSearchLogs(c *Check, r *Resource) {
	v := r.Get("logPublishingOptions")
	if v.Unknown() {
		c.Undecided(r, "logPublishingOptions")
		return
	}
	published := map[string]bool{}
	for _, e := range v.List() {
		o := Of(e)
		logType, enabled := o.At("logType"), o.At("enabled")
		if logType.Unknown() || enabled.Unknown() {
			c.Undecided(r, "logPublishingOptions[].logType")
			return
		}
		if enabled.Present() && !enabled.Bool() {
			continue
		}
		if group := o.At("cloudwatchLogGroupArn"); group.Unknown() || group.Str() != "" {
			published[logType.Str()] = true
		}
	}
	var missing []string
	for _, t := range searchRequiredLogs {
		if !published[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		c.Fail(r, "the domain does not publish %s to CloudWatch Logs", describe(missing))
	}
}

// Log and trace stores (control 79): the store's own retention must end
// before its bucket's lifecycle expires objects, or S3 deletes what the
// store still lists (Loki and Tempo fail queries on missing chunks and
// blocks; a canary run's page links to deleted artifacts). The buckets
// themselves are judged by the S3 controls like every other bucket.
const tSyntheticsCanary = "aws:synthetics/canary:Canary"

// logStore is one store's retention and bucket, read from its resource.
type logStore struct {
	r              *Resource
	what           string
	bucket         Value
	retentionHours float64
	retentionProp  string
}

// logStores finds the stores of the stack: Loki and Tempo releases by
// chart, and the canaries.
func logStores(c *Check, s *Stack) []logStore {
	var out []logStore
	hours := func(r *Resource, prop string, v Value) (float64, bool) {
		if v.Unknown() {
			c.Undecided(r, prop)
			return 0, false
		}
		d, err := parseHours(v.Str())
		if err != nil {
			c.Fail(r, "%s is not a duration in hours or days: %q", prop, v.Str())
			return 0, false
		}
		return d, true
	}
	for _, r := range s.OfType(tHelmReleaseV3) {
		switch r.Get("chart").Str() {
		case "loki":
			prop := "values.loki.limits_config.retention_period"
			if h, ok := hours(r, prop, r.Get("values", "loki", "limits_config", "retention_period")); ok {
				out = append(out, logStore{r: r, what: "Loki", bucket: r.Get("values", "loki", "storage", "bucketNames", "chunks"), retentionHours: h, retentionProp: prop})
			}
		case "tempo-distributed", "tempo":
			prop := "values.compactor.config.compaction.block_retention"
			if h, ok := hours(r, prop, r.Get("values", "compactor", "config", "compaction", "block_retention")); ok {
				out = append(out, logStore{r: r, what: "Tempo", bucket: r.Get("values", "storage", "trace", "s3", "bucket"), retentionHours: h, retentionProp: prop})
			}
		}
	}
	for _, r := range s.OfType(tSyntheticsCanary) {
		days := 0.0
		for _, p := range []string{"successRetentionPeriod", "failureRetentionPeriod"} {
			n, ok := r.Get(p).Num()
			if !ok {
				n = 31 // the service's default
			}
			days = max(days, n)
		}
		loc := r.Get("artifactS3Location")
		bucket := loc
		if !loc.Unknown() {
			name, _, _ := strings.Cut(strings.TrimPrefix(loc.Str(), "s3://"), "/")
			bucket = valueOf(name)
		}
		out = append(out, logStore{r: r, what: "the canary's artifacts", bucket: bucket, retentionHours: days * 24, retentionProp: "failureRetentionPeriod"})
	}
	return out
}

// parseHours reads 720h, 30d or a bare number of hours.
func parseHours(d string) (float64, error) {
	unit := 1.0
	switch {
	case strings.HasSuffix(d, "d"):
		unit, d = 24, strings.TrimSuffix(d, "d")
	case strings.HasSuffix(d, "h"):
		d = strings.TrimSuffix(d, "h")
	}
	var n float64
	if _, err := fmt.Sscanf(d, "%g", &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("not a duration: %q", d)
	}
	return n * unit, nil
}

// bucketExpirationDays is the shortest expiration of the bucket's
// enabled lifecycle rules that cover every key, or false when none does.
func bucketExpirationDays(s *Stack, bucket *Resource) (float64, bool) {
	best, found := 0.0, false
	for _, l := range s.Referencing(bucket, "bucket", tBucketLifecycle) {
		for _, rule := range l.Get("rules").List() {
			rv := valueOf(rule)
			if rv.At("status").Str() != "Enabled" || rv.At("filter", "prefix").Str() != "" {
				continue
			}
			if d, ok := rv.At("expiration", "days").Num(); ok && d > 0 && (!found || d < best) {
				best, found = d, true
			}
		}
	}
	return best, found
}

func init() {
	register(&Policy{
		Name:        "log-store-retention-within-lifecycle",
		Description: "Log and trace stores (Loki, Tempo, canary artifacts) delete by their own retention before their bucket's lifecycle expires objects.",
		Severity:    Medium, Enforcement: Mandatory, Control: 79,
		Frameworks:  []string{"PCI 10.5.1", "CKV2_AWS_61"},
		Remediation: "Keep the store's retention (Loki's limits_config.retention_period, Tempo's compactor block_retention, the canaries' retention periods) shorter than its bucket's lifecycle expiration (components/storage Lifecycle.ExpirationDays).",
		Types:       []string{tHelmReleaseV3},
		Stack: func(c *Check, s *Stack) {
			for _, st := range logStores(c, s) {
				if st.bucket.Unknown() {
					c.Undecided(st.r, "the store's bucket")
					continue
				}
				name := st.bucket.Str()
				var bucket *Resource
				for _, b := range s.OfType(tBucketV2) {
					if slices.Contains(b.Identifiers(), name) {
						bucket = b
					}
				}
				if bucket == nil {
					c.Undecided(st.r, "the store's bucket "+name+" (not in this stack)")
					continue
				}
				days, ok := bucketExpirationDays(s, bucket)
				if ok && days*24 <= st.retentionHours {
					c.Fail(st.r, "%s keeps %gh (%s) but bucket %s expires objects after %g days: S3 deletes what the store still lists", st.what, st.retentionHours, st.retentionProp, name, days)
				}
			}
		},
	})
}
