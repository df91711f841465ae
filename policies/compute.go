package policies

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Resource types of the EKS, load balancer and WAF controls.
const (
	tEKSCluster         = "aws:eks/cluster:Cluster"
	tEKSClusterC        = "eks:index:Cluster"
	tEKSNodeGroupC      = "eks:index:NodeGroupV2"
	tLaunchTemplate     = "aws:ec2/launchTemplate:LaunchTemplate"
	tInstance           = "aws:ec2/instance:Instance"
	tEBSVolume          = "aws:ebs/volume:Volume"
	tIAMRole            = "aws:iam/role:Role"
	tLoadBalancer       = "aws:lb/loadBalancer:LoadBalancer"
	tALB                = "aws:alb/loadBalancer:LoadBalancer"
	tListener           = "aws:lb/listener:Listener"
	tALBListener        = "aws:alb/listener:Listener"
	tWebACL             = "aws:wafv2/webAcl:WebAcl"
	tWebACLAssociation  = "aws:wafv2/webAclAssociation:WebAclAssociation"
	tWebACLLogging      = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tWafRegionalAssocV1 = "aws:wafregional/webAclAssociation:WebAclAssociation"
)

// eksLogTypes are every control-plane log type.
var eksLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// tlsPolicies are the ELB security policies that allow only TLS 1.2+.
func modernTLSPolicy(p string) bool {
	return strings.Contains(p, "TLS13") || strings.Contains(p, "TLS-1-2") || strings.Contains(p, "FS-1-2")
}

func init() {
	register(
		&Policy{
			Name:        "eks-secrets-encryption",
			Description: "EKS envelope-encrypts Kubernetes secrets with a customer-managed KMS key.",
			Severity:    Critical, Enforcement: Mandatory, Control: 41,
			Frameworks:  []string{"CKV_AWS_58", "AVD-AWS-0039", "FSBP EKS.3", "PCI 3.5.1"},
			Remediation: "Set encryptionConfig with resources [secrets] and the eks key (eks.Cluster: encryptionConfigKeyArn).",
			Types:       []string{tEKSCluster, tEKSClusterC},
			Resource: func(c *Check, r *Resource) {
				if r.Type == tEKSClusterC {
					requireSet(c, r, "Kubernetes secrets are not encrypted with a KMS key", "encryptionConfigKeyArn")
					return
				}
				cfg := r.Get("encryptionConfig")
				if cfg.ContainsUnknown() {
					return
				}
				if !slices.Contains(cfg.At("resources").Strings(), "secrets") || cfg.At("provider", "keyArn").Str() == "" {
					c.Fail(r, "Kubernetes secrets are not encrypted with a KMS key")
				}
			},
		},
		&Policy{
			Name:        "eks-private-endpoint",
			Description: "The EKS API endpoint is private, or public only to named CIDRs.",
			Severity:    Critical, Enforcement: Mandatory, Control: 42,
			Frameworks:  []string{"CKV_AWS_39", "CKV_AWS_38", "AVD-AWS-0040", "AVD-AWS-0041", "FSBP EKS.1"},
			Remediation: "Set endpointPublicAccess false (reach the API through the VPC), or publicAccessCidrs to the operators' CIDRs.",
			Types:       []string{tEKSCluster, tEKSClusterC},
			Resource: func(c *Check, r *Resource) {
				base := []any{"vpcConfig"}
				if r.Type == tEKSClusterC {
					base = nil
				}
				public := r.Get(append(base, "endpointPublicAccess")...)
				cidrs := r.Get(append(base, "publicAccessCidrs")...)
				if public.Unknown() || cidrs.ContainsUnknown() {
					c.Undecided(r, "endpointPublicAccess")
					return
				}
				// AWS makes the endpoint public to the world when unset.
				if (public.Bool() || !public.Present()) && (len(cidrs.List()) == 0 || anyWorld(cidrs.Strings())) {
					c.Fail(r, "the Kubernetes API is reachable from the whole internet")
				}
			},
		},
		&Policy{
			Name:        "eks-control-plane-logs",
			Description: "EKS sends every control-plane log type to CloudWatch Logs.",
			Severity:    Medium, Enforcement: Mandatory, Control: 43,
			Frameworks:  []string{"CKV_AWS_37", "AVD-AWS-0038", "FSBP EKS.8", "PCI 10.2.1"},
			Remediation: "Set enabledClusterLogTypes to api, audit, authenticator, controllerManager and scheduler.",
			Types:       []string{tEKSCluster, tEKSClusterC},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("enabledClusterLogTypes")
				if v.ContainsUnknown() {
					return
				}
				if missing := hasAll(v.Strings(), eksLogTypes...); len(missing) > 0 {
					c.Fail(r, "control-plane logs miss %s", describe(missing))
				}
			},
		},
		&Policy{
			Name:        "eks-supported-version",
			Description: "EKS runs a Kubernetes version pinned in config and in standard support, and its upgrade policy keeps it there.",
			Severity:    High, Enforcement: Mandatory, Control: 44,
			Frameworks:  []string{"CKV_AWS_339", "FSBP EKS.2"},
			Remediation: "Pin version from config to a version whose standard support has not ended (pack param kubernetesStandardSupportEnds), upgrade before the end date, and set upgradePolicy.supportType STANDARD.",
			Types:       []string{tEKSCluster, tEKSClusterC},
			Resource: func(c *Check, r *Resource) {
				checkKubernetesSupport(c, r)
				if r.Type != tEKSCluster {
					return
				}
				// AWS moves a cluster whose version leaves standard support
				// to paid extended support unless the policy says STANDARD.
				switch st := r.Get("upgradePolicy", "supportType"); {
				case st.Unknown():
					c.Undecided(r, "upgradePolicy.supportType")
				case st.Str() != "STANDARD":
					c.Fail(r, "the upgrade policy is %s (unset means EXTENDED): set upgradePolicy.supportType STANDARD so the cluster never runs on extended support", orNone(st.Str()))
				}
			},
		},
		&Policy{
			Name:        "eks-no-node-ssh",
			Description: "EKS node groups allow no SSH access.",
			Severity:    High, Enforcement: Mandatory, Control: 45,
			Frameworks:  []string{"CKV_AWS_100"},
			Remediation: "Remove remoteAccess; use SSM Session Manager for node access.",
			Types:       []string{tEKSNodeGroup, tEKSManagedNodeGroupC},
			Resource: func(c *Check, r *Resource) {
				if r.Get("remoteAccess").Present() {
					c.Fail(r, "the node group opens SSH (remoteAccess)")
				}
			},
		},
		&Policy{
			Name:        "imdsv2-required",
			Description: "Launch templates and instances require IMDSv2 with a hop limit of at most 2.",
			Severity:    High, Enforcement: Mandatory, Control: 46,
			Frameworks:  []string{"CKV_AWS_79", "CKV_AWS_341", "AVD-AWS-0130", "FSBP EC2.8", "CIS 5.6"},
			Remediation: "Set metadataOptions httpTokens required and httpPutResponseHopLimit 1 or 2 (2 for pods on EKS nodes).",
			Types:       []string{tLaunchTemplate, tInstance},
			Resource: func(c *Check, r *Resource) {
				m := r.Get("metadataOptions")
				if m.ContainsUnknown() {
					c.Undecided(r, "metadataOptions")
					return
				}
				if m.At("httpTokens").Str() != "required" {
					c.Fail(r, "IMDSv1 is allowed (metadataOptions.httpTokens is not required)")
				}
				if n, ok := m.At("httpPutResponseHopLimit").Num(); !ok || n > 2 {
					c.Fail(r, "the metadata hop limit is not set to 2 or less")
				}
			},
		},
		&Policy{
			Name:        "ebs-encrypted",
			Description: "Node and instance volumes are encrypted.",
			Severity:    High, Enforcement: Mandatory, Control: 47,
			Frameworks:  []string{"FSBP EC2.3", "FSBP EC2.7", "CIS 2.2.1"},
			Remediation: "Set encrypted true (with a kmsKeyId) on every block device.",
			Types:       []string{tLaunchTemplate, tInstance, tEBSVolume},
			Resource: func(c *Check, r *Resource) {
				switch r.Type {
				case tEBSVolume:
					requireTrue(c, r, "the volume is not encrypted", "encrypted")
				case tInstance:
					requireTrue(c, r, "the root volume is not encrypted", "rootBlockDevice", "encrypted")
				case tLaunchTemplate:
					devices := r.Get("blockDeviceMappings").List()
					if len(devices) == 0 {
						c.Fail(r, "the launch template does not declare encrypted block devices")
					}
					for i, d := range devices {
						if v := Of(d).At("ebs", "encrypted"); !v.Unknown() && !v.Bool() {
							c.Fail(r, "block device %d is not encrypted", i)
						}
					}
				}
			},
		},
		&Policy{
			Name:        "irsa-trust-scoped",
			Description: "IAM roles for service accounts trust exactly one namespace and service account.",
			Severity:    High, Enforcement: Mandatory, Control: 48,
			Frameworks:  []string{"CKV_AWS_60", "CKV_AWS_61"},
			Remediation: "Add a StringEquals condition on <issuer>:sub = system:serviceaccount:<namespace>:<name> and <issuer>:aud = sts.amazonaws.com.",
			Types:       []string{tIAMRole},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("assumeRolePolicy")
				if v.Unknown() {
					return
				}
				statements, _ := policyStatements(v)
				for _, st := range statements {
					actions := strs(st["Action"])
					if !slices.Contains(actions, "sts:AssumeRoleWithWebIdentity") {
						continue
					}
					fed := strings.Join(strs(asMap(st["Principal"])["Federated"]), " ")
					if !strings.Contains(fed, "oidc.eks.") {
						continue // not an EKS service-account trust (GitHub OIDC, SAML)
					}
					scoped := false
					for k, v := range asMap(asMap(st["Condition"])["StringEquals"]) {
						if strings.HasSuffix(k, ":sub") {
							for _, sub := range strs(v) {
								parts := strings.Split(sub, ":")
								scoped = len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" && !strings.Contains(sub, "*")
							}
						}
					}
					if !scoped {
						c.Fail(r, "the web identity trust is not limited to one service account (StringEquals on :sub)")
					}
				}
			},
		},
		&Policy{
			Name:        "alb-waf-association",
			Description: "Every internet-facing application load balancer has a WAFv2 web ACL.",
			Severity:    High, Enforcement: Mandatory, Control: 49,
			Frameworks:  []string{"CKV2_AWS_28", "SecurityHub ELB.16", "PCI 6.4.1", "PCI 6.4.2"},
			Remediation: "Add an aws.wafv2.WebAclAssociation of the platform web ACL with the load balancer (or the alb.ingress.kubernetes.io/wafv2-acl-arn annotation).",
			Types:       []string{tLoadBalancer, tALB},
			Stack: func(c *Check, s *Stack) {
				for _, lb := range s.OfType(tLoadBalancer, tALB) {
					if lb.Get("internal").Bool() || (lb.Get("loadBalancerType").Present() && lb.Get("loadBalancerType").Str() != "application") {
						continue
					}
					if len(s.Referencing(lb, "resourceArn", tWebACLAssociation, tWafRegionalAssocV1)) == 0 {
						c.Missing(s, lb, "resourceArn", []string{tWebACLAssociation, tWafRegionalAssocV1}, "the internet-facing load balancer has no web ACL")
					}
				}
			},
		},
		&Policy{
			Name:        "waf-managed-rules-and-rate-limit",
			Description: "Web ACLs use the AWS managed common and known-bad-inputs (Log4j) rule groups and a rate-based rule.",
			Severity:    High, Enforcement: Mandatory, Control: 50,
			Frameworks:  []string{"CKV_AWS_175", "CKV_AWS_342", "CKV_AWS_192", "CKV2_AWS_76", "FSBP WAF.10"},
			Remediation: "Add AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet and a rateBasedStatement rule.",
			Types:       []string{tWebACL},
			Resource: func(c *Check, r *Resource) {
				rules := r.Get("rules")
				if rules.ContainsUnknown() {
					c.Undecided(r, "rules")
					return
				}
				var groups []string
				rate := false
				for _, rule := range rules.List() {
					st := Of(rule).At("statement")
					if n := st.At("managedRuleGroupStatement", "name").Str(); n != "" {
						groups = append(groups, n)
					}
					if st.At("rateBasedStatement").Present() {
						rate = true
					}
				}
				if missing := hasAll(groups, "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"); len(missing) > 0 {
					c.Fail(r, "the web ACL lacks managed rule groups %s", describe(missing))
				}
				if !rate {
					c.Fail(r, "the web ACL has no rate-based rule")
				}
			},
		},
		&Policy{
			Name:        "waf-logging-and-metrics",
			Description: "Web ACLs log requests and publish CloudWatch metrics for the ACL and every rule.",
			Severity:    Medium, Enforcement: Mandatory, Control: 51,
			Frameworks:  []string{"CKV2_AWS_31", "SecurityHub WAF.11", "FSBP WAF.12"},
			Remediation: "Add an aws.wafv2.WebAclLoggingConfiguration and set visibilityConfig.cloudwatchMetricsEnabled on the ACL and each rule.",
			Types:       []string{tWebACL},
			Stack: func(c *Check, s *Stack) {
				for _, acl := range s.OfType(tWebACL) {
					if len(s.Referencing(acl, "resourceArn", tWebACLLogging)) == 0 {
						c.Missing(s, acl, "resourceArn", []string{tWebACLLogging}, "the web ACL does not log requests")
					}
					if v := acl.Get("visibilityConfig", "cloudwatchMetricsEnabled"); !v.Unknown() && !v.Bool() {
						c.Fail(acl, "the web ACL publishes no CloudWatch metrics")
					}
					for i, rule := range acl.Get("rules").List() {
						if v := Of(rule).At("visibilityConfig", "cloudwatchMetricsEnabled"); !v.Unknown() && !v.Bool() {
							c.Fail(acl, "rule %d (%s) publishes no CloudWatch metrics", i, Of(rule).At("name").Str())
						}
					}
				}
			},
		},
		&Policy{
			Name:        "lb-https-only",
			Description: "Listeners serve HTTPS with a TLS 1.2+ policy; HTTP listeners only redirect to HTTPS.",
			Severity:    High, Enforcement: Mandatory, Control: 52,
			Frameworks:  []string{"CKV_AWS_2", "CKV_AWS_103", "CKV2_AWS_20", "FSBP ELB.1", "PCI 4.2.1"},
			Remediation: "Use protocol HTTPS with sslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06; make port 80 a redirect to HTTPS.",
			Types:       []string{tListener, tALBListener},
			Resource: func(c *Check, r *Resource) {
				proto := strings.ToUpper(r.Get("protocol").Str())
				switch proto {
				case "HTTPS", "TLS":
					if p := r.Get("sslPolicy"); !p.Unknown() && !modernTLSPolicy(p.Str()) {
						c.Fail(r, "the listener's TLS policy %q allows TLS older than 1.2", p.Str())
					}
				case "HTTP":
					for _, a := range r.Get("defaultActions").List() {
						v := Of(a)
						if v.At("type").Str() != "redirect" || strings.ToUpper(v.At("redirect", "protocol").Str()) != "HTTPS" {
							c.Fail(r, "the HTTP listener serves traffic instead of redirecting to HTTPS")
							return
						}
					}
				}
			},
		},
		&Policy{
			Name:        "lb-hardening",
			Description: "Application load balancers drop invalid headers, mitigate desync, log access and have deletion protection.",
			Severity:    Medium, Enforcement: Mandatory, Control: 53,
			Frameworks:  []string{"CKV_AWS_131", "CKV_AWS_328", "CKV_AWS_91", "CKV_AWS_150", "FSBP ELB.4", "FSBP ELB.12", "FSBP ELB.5", "FSBP ELB.6"},
			Remediation: "Set dropInvalidHeaderFields true, desyncMitigationMode defensive or strictest, accessLogs enabled and enableDeletionProtection true.",
			Types:       []string{tLoadBalancer, tALB},
			Resource: func(c *Check, r *Resource) {
				if t := r.Get("loadBalancerType").Str(); t != "" && t != "application" {
					return
				}
				requireTrue(c, r, "invalid HTTP headers are passed on", "dropInvalidHeaderFields")
				if m := r.Get("desyncMitigationMode").Str(); m == "monitor" {
					c.Fail(r, "desync mitigation only monitors")
				}
				requireTrue(c, r, "access logs are off", "accessLogs", "enabled")
				requireTrue(c, r, "the load balancer can be deleted by an API call", "enableDeletionProtection")
			},
		},
	)
}

// checkKubernetesSupport judges a cluster's version against the end of its
// standard support on the params' day: past it fails, within
// KubernetesSupportWarningDays of it warns.
func checkKubernetesSupport(c *Check, r *Resource) {
	v := r.Get("version")
	switch {
	case v.Unknown():
		c.Undecided(r, "version")
		return
	case v.Str() == "":
		c.Fail(r, "the Kubernetes version is not pinned: AWS picks one and upgrades silently float")
		return
	}
	version := v.Str()
	end, ok := c.Params.KubernetesStandardSupportEnds[version]
	if !ok {
		c.Fail(r, "Kubernetes %s has no known end of standard support (kubernetesStandardSupportEnds lists %s)", version, describe(slices.Sorted(maps.Keys(c.Params.KubernetesStandardSupportEnds))))
		return
	}
	last, _ := time.Parse(time.DateOnly, end) // validated with the config
	today := c.AsOf()
	switch days := int(last.Sub(today).Hours() / 24); {
	case today.After(last):
		c.Fail(r, "Kubernetes %s left standard support on %s (as of %s)", version, end, today.Format(time.DateOnly))
	case days <= KubernetesSupportWarningDays:
		c.Warn(r, "Kubernetes %s leaves standard support on %s, in %d days (as of %s): plan the upgrade", version, end, days, today.Format(time.DateOnly))
	}
}
