package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Baseline is platform:baseline: the namespaces of the cluster and the
// registries images may come from. The platform's own namespaces always
// exist; applications add theirs.
type Baseline struct {
	// Registries are the image prefixes admission allows; default: the
	// account's ECR in the stack's region.
	Registries []string `json:"registries"`
	// Applications are the application namespaces (restricted, admission
	// in deny mode).
	Applications []NamespaceConfig `json:"applications"`
	// Platform overrides the platform namespaces' sizing or Pod Security
	// level, by name.
	Platform map[string]NamespaceConfig `json:"platform"`
}

// NamespaceConfig sizes one namespace.
type NamespaceConfig struct {
	Name string `json:"name"`
	// PodSecurity is restricted unless the namespace says why not.
	PodSecurity string `json:"podSecurity"`
	Reason      string `json:"reason"`
	// RequestsCPU, RequestsMemory, LimitsMemory and Pods size its
	// ResourceQuota (CPU is requested, never limited).
	RequestsCPU    string `json:"requestsCpu"`
	RequestsMemory string `json:"requestsMemory"`
	LimitsMemory   string `json:"limitsMemory"`
	Pods           int    `json:"pods"`
	// DataPorts of the data tier the namespace reaches (5432, 6379).
	DataPorts []int `json:"dataPorts"`
	// Developers are IAM roles (the identity account's SSO roles) with
	// read-only access to this namespace only, through their access entry
	// and the namespace's developers group.
	Developers []string `json:"developers"`
	// ServicePorts the load balancer reaches in this namespace.
	ServicePorts []int `json:"servicePorts"`
}

// PlatformNamespaces are the namespaces of the platform's own add-ons.
var PlatformNamespaces = []string{"monitoring", "logging", "security", "external-secrets", "ingress", "autoscaling", "delivery"}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// withDefaults sizes every namespace: 4 CPUs and 8 GiB requested, 16 GiB
// of memory limits, 50 pods, restricted.
func (n NamespaceConfig) withDefaults() NamespaceConfig {
	if n.PodSecurity == "" {
		n.PodSecurity = "restricted"
	}
	for _, d := range [][2]*string{{&n.RequestsCPU, ptr("4")}, {&n.RequestsMemory, ptr("8Gi")}, {&n.LimitsMemory, ptr("16Gi")}} {
		if *d[0] == "" {
			*d[0] = *d[1]
		}
	}
	setDefault(&n.Pods, 50)
	return n
}

func ptr(s string) *string { return &s }

func (b Baseline) withDefaults(accountID, region string) Baseline {
	if len(b.Registries) == 0 {
		b.Registries = []string{fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/", accountID, region)}
	}
	platform := map[string]NamespaceConfig{}
	for _, name := range PlatformNamespaces {
		n := b.Platform[name]
		n.Name = name
		platform[name] = n.withDefaults()
	}
	for name, n := range b.Platform {
		if _, ok := platform[name]; !ok {
			platform[name] = n // reported by validate
		}
	}
	b.Platform = platform
	apps := make([]NamespaceConfig, len(b.Applications))
	for i, n := range b.Applications {
		apps[i] = n.withDefaults()
	}
	b.Applications = apps
	return b
}

// validate reports the baseline's problems with their field paths.
func (b Baseline) validate() []error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldErr("baseline."+path, format, args...))
	}
	for name := range b.Platform {
		if !contains(PlatformNamespaces, name) {
			add("platform."+name, "is not a platform namespace (%s); applications go in baseline.applications", strings.Join(PlatformNamespaces, ", "))
		}
	}
	seen := map[string]bool{}
	for _, name := range PlatformNamespaces {
		seen[name] = true
	}
	check := func(path string, n NamespaceConfig, application bool) {
		switch n.PodSecurity {
		case "restricted":
		case "baseline", "privileged":
			if application {
				add(path+".podSecurity", "application namespaces enforce restricted, got %s", n.PodSecurity)
			} else if n.Reason == "" {
				add(path+".reason", "say why the namespace needs Pod Security %s rather than restricted", n.PodSecurity)
			}
		default:
			add(path+".podSecurity", "must be restricted, baseline or privileged, got %q", n.PodSecurity)
		}
		for i, d := range n.Developers {
			if !principalARN.MatchString(d) || strings.Contains(d, "*") {
				add(fmt.Sprintf("%s.developers[%d]", path, i), "must be an IAM role or user ARN without wildcards, got %q", d)
			}
		}
		for i, p := range n.ServicePorts {
			if p < 1 || p > 65535 {
				add(fmt.Sprintf("%s.servicePorts[%d]", path, i), "must be a TCP port, got %d", p)
			}
		}
		for _, p := range n.DataPorts {
			if p != 5432 && p != 6379 {
				add(path+".dataPorts", "the data tier serves 5432 and 6379, got %d", p)
			}
		}
	}
	for _, name := range PlatformNamespaces {
		check("platform."+name, b.Platform[name], false)
	}
	// The node agents cannot run under baseline or restricted: without
	// this their DaemonSets are refused on every node.
	for _, n := range [][2]string{{"logging", "node-exporter"}, {"security", "Falco"}} {
		if b.Platform[n[0]].PodSecurity != "privileged" {
			add("platform."+n[0]+".podSecurity", "%s runs in %s and needs privileged (with a reason), got %q", n[1], n[0], b.Platform[n[0]].PodSecurity)
		}
	}
	for i, n := range b.Applications {
		path := fmt.Sprintf("applications[%d]", i)
		if !dnsLabel.MatchString(n.Name) {
			add(path+".name", "must be a DNS label such as mita, got %q", n.Name)
		} else if seen[n.Name] || n.Name == "default" || strings.HasPrefix(n.Name, "kube-") {
			add(path+".name", "%q is taken: a platform or system namespace", n.Name)
		}
		seen[n.Name] = true
		check(path, n, true)
	}
	return errs
}
