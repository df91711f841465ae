package policies

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// Resource types of the container registry control (77).
const (
	tECRRepository       = "aws:ecr/repository:Repository"
	tECRLifecyclePolicy  = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tECRCreationTemplate = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
	tECRRegistryScanning = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
)

// ecrImmutable are the tag mutability settings that keep tags immutable
// (IMMUTABLE_WITH_EXCLUSION only for the tags its filters name).
var ecrImmutable = []string{"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}

func init() {
	register(
		&Policy{
			Name:        "ecr-immutable-tags",
			Description: "ECR repositories, and the templates ECR creates repositories from, have immutable tags; only templates for pull-through caches alone may be mutable.",
			Severity:    High, Enforcement: Mandatory, Control: 77,
			Frameworks:  []string{"CKV_AWS_51", "FSBP ECR.2"},
			Remediation: "Set imageTagMutability IMMUTABLE (components/registry does). A pull-through cache template may stay MUTABLE so that cached tags follow their upstream; pin those images by digest.",
			Types:       []string{tECRRepository, tECRCreationTemplate},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("imageTagMutability")
				switch {
				case v.Unknown():
					c.Undecided(r, "imageTagMutability")
				case slices.Contains(ecrImmutable, v.Str()):
				case r.Type == tECRCreationTemplate && cacheOnlyTemplate(r):
					// ECR refreshes a cached tag from its upstream at least
					// once a day; an immutable cache would keep stale images.
				default:
					c.Fail(r, "image tags are %s: a pushed tag can be overwritten with another image", orDefault(v.Str(), "MUTABLE (the default)"))
				}
			},
		},
		&Policy{
			Name:        "ecr-kms-encryption",
			Description: "ECR repositories, and the templates ECR creates repositories from, encrypt images with a customer-managed KMS key.",
			Severity:    Medium, Enforcement: Mandatory, Control: 77,
			Frameworks:  []string{"CKV_AWS_136"},
			Remediation: "Set encryptionConfigurations to encryptionType KMS with kmsKey the region's data key (a new repository: encryption cannot change later). A template with a key needs customRoleArn.",
			Types:       []string{tECRRepository, tECRCreationTemplate},
			Resource: func(c *Check, r *Resource) {
				configs := r.Get("encryptionConfigurations")
				if configs.Unknown() {
					c.Undecided(r, "encryptionConfigurations")
					return
				}
				list := configs.List()
				if len(list) == 0 {
					c.Fail(r, "images are encrypted with AES256 (the default), not a customer-managed key")
					return
				}
				for _, e := range list {
					cfg := Of(e)
					typ := cfg.At("encryptionType")
					switch {
					case typ.Unknown():
						c.Undecided(r, "encryptionConfigurations.encryptionType")
					case typ.Str() != "KMS":
						c.Fail(r, "images are encrypted with %s, not a customer-managed KMS key", orDefault(typ.Str(), "AES256 (the default)"))
					case !cfg.At("kmsKey").Unknown() && (cfg.At("kmsKey").Str() == "" || strings.Contains(cfg.At("kmsKey").Str(), "alias/aws/")):
						c.Fail(r, "images are encrypted with the AWS-managed aws/ecr key, not a customer-managed one (kmsKey is not set)")
					}
				}
				if r.Type == tECRCreationTemplate && !r.Get("customRoleArn").Present() {
					c.Fail(r, "the template names a KMS key but no customRoleArn, so ECR cannot create its repositories")
				}
			},
		},
		&Policy{
			Name:        "ecr-lifecycle-policy",
			Description: "Every ECR repository, and every template ECR creates repositories from, has a lifecycle policy with at least one rule.",
			Severity:    Medium, Enforcement: Mandatory, Control: 77,
			Frameworks:  []string{"FSBP ECR.3"},
			Remediation: "Add an aws.ecr.LifecyclePolicy for the repository (components/registry expires untagged images and keeps the newest release images), and set lifecyclePolicy on templates.",
			Types:       []string{tECRRepository},
			Stack: func(c *Check, s *Stack) {
				for _, repo := range s.OfType(tECRRepository) {
					policies := s.Referencing(repo, "repository", tECRLifecyclePolicy)
					if len(policies) == 0 {
						c.Missing(s, repo, "repository", []string{tECRLifecyclePolicy}, "the repository has no lifecycle policy: its images are never expired")
					}
					for _, lp := range policies {
						checkLifecycleRules(c, lp, lp.Get("policy"))
					}
				}
				for _, lp := range s.OfType(tECRLifecyclePolicy) {
					if len(s.Targets(lp, "repository", tECRRepository)) == 0 {
						checkLifecycleRules(c, lp, lp.Get("policy")) // its repository is not in this view
					}
				}
				for _, tpl := range s.OfType(tECRCreationTemplate) {
					if !tpl.Get("lifecyclePolicy").Present() {
						c.Fail(tpl, "the template sets no lifecyclePolicy: the repositories ECR creates from it never expire images")
						continue
					}
					checkLifecycleRules(c, tpl, tpl.Get("lifecyclePolicy"))
				}
			},
		},
		&Policy{
			Name:        "ecr-scan-on-push",
			Description: "Every ECR repository's images are scanned on push: by the repository's own setting or by an enhanced registry scanning rule of its region that covers it.",
			Severity:    High, Enforcement: Mandatory, Control: 77,
			Frameworks:  []string{"CKV_AWS_163", "FSBP ECR.1"},
			Remediation: "Set imageScanningConfiguration.scanOnPush true, or add an aws.ecr.RegistryScanningConfiguration with scanType ENHANCED and a SCAN_ON_PUSH rule for \"*\" (components/registry does both).",
			Types:       []string{tECRRepository},
			Stack: func(c *Check, s *Stack) {
				for _, repo := range s.OfType(tECRRepository) {
					own := repo.Get("imageScanningConfiguration", "scanOnPush")
					if own.Unknown() {
						c.Undecided(repo, "imageScanningConfiguration.scanOnPush")
						continue
					}
					if own.Bool() {
						continue
					}
					covered, known := registryScansOnPush(s, repo)
					switch {
					case !known:
						c.Undecided(repo, "the repository's name, against the registry scanning filters")
					case !covered:
						c.Fail(repo, "images are not scanned on push (imageScanningConfiguration.scanOnPush is not true and no enhanced SCAN_ON_PUSH rule of the registry covers the repository)")
					}
				}
			},
		},
		&Policy{
			Name:        "ecr-enhanced-scanning",
			Description: "Registry scanning is enhanced (Amazon Inspector), on push and continuously, for every repository.",
			Severity:    Medium, Enforcement: Mandatory, Control: 77,
			Frameworks:  []string{"FSBP ECR.1", "CKV_AWS_163"},
			Remediation: "Set scanType ENHANCED with a SCAN_ON_PUSH and a CONTINUOUS_SCAN rule, each with the WILDCARD filter \"*\" (components/registry does).",
			Types:       []string{tECRRegistryScanning},
			Resource: func(c *Check, r *Resource) {
				if !c.Known(r, map[string]Value{"scanType": r.Get("scanType"), "rules": r.Get("rules")}) {
					return
				}
				if t := r.Get("scanType").Str(); t != "ENHANCED" {
					c.Fail(r, "the registry's scanning is %s, not ENHANCED: operating-system and language packages are not scanned for new vulnerabilities", orDefault(t, "not set"))
					return
				}
				for _, freq := range []string{"SCAN_ON_PUSH", "CONTINUOUS_SCAN"} {
					if !scanRuleCoversAll(r.Get("rules").List(), freq) {
						c.Fail(r, "no %s rule covers every repository (a WILDCARD filter \"*\")", freq)
					}
				}
			},
		},
	)
}

// cacheOnlyTemplate reports whether a template applies to pull-through
// caches and nothing else.
func cacheOnlyTemplate(r *Resource) bool {
	applied := r.Get("appliedFors").Strings()
	return len(applied) > 0 && !slices.ContainsFunc(applied, func(a string) bool { return a != "PULL_THROUGH_CACHE" })
}

// checkLifecycleRules fails r unless the lifecycle policy document has a
// rule; an unknown document is undecided.
func checkLifecycleRules(c *Check, r *Resource, doc Value) {
	if doc.Unknown() {
		c.Undecided(r, "the lifecycle policy")
		return
	}
	var parsed struct {
		Rules []map[string]any `json:"rules"`
	}
	switch raw := doc.Raw().(type) {
	case string:
		if json.Unmarshal([]byte(raw), &parsed) != nil {
			c.Fail(r, "the lifecycle policy is not a JSON document")
			return
		}
	case map[string]any:
		b, _ := json.Marshal(raw)
		_ = json.Unmarshal(b, &parsed)
	}
	if len(parsed.Rules) == 0 {
		c.Fail(r, "the lifecycle policy has no rules")
	}
}

// registryScansOnPush reports whether an enhanced scanning configuration
// of the repository's region has a SCAN_ON_PUSH rule whose filter matches
// the repository, and whether that is known.
func registryScansOnPush(s *Stack, repo *Resource) (covered, known bool) {
	region := providerRegion(s, repo)
	name := repo.Get("name")
	known = true
	for _, cfg := range s.OfType(tECRRegistryScanning) {
		if providerRegion(s, cfg) != region || cfg.Get("scanType").Str() != "ENHANCED" {
			continue
		}
		for _, rule := range cfg.Get("rules").List() {
			v := Of(rule)
			if v.At("scanFrequency").Str() != "SCAN_ON_PUSH" {
				continue
			}
			for _, f := range v.At("repositoryFilters").List() {
				filter := Of(f).At("filter").Str()
				switch {
				case filter == "*":
					return true, true
				case name.Unknown() || !name.Present():
					known = false
				case wildcardMatch(filter, name.Str()):
					return true, true
				}
			}
		}
	}
	return false, known
}

// scanRuleCoversAll reports whether a rule of the frequency has the "*"
// filter.
func scanRuleCoversAll(rules []any, freq string) bool {
	for _, rule := range rules {
		v := Of(rule)
		if v.At("scanFrequency").Str() != freq {
			continue
		}
		for _, f := range v.At("repositoryFilters").List() {
			if Of(f).At("filter").Str() == "*" {
				return true
			}
		}
	}
	return false
}

// wildcardMatch matches an ECR WILDCARD filter, where * is any run of
// characters.
func wildcardMatch(filter, name string) bool {
	parts := strings.Split(filter, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(name)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
