package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"platform/components/addons"
)

// Service is one entry of platform:services: an application service and
// its platform contract (components/service). Argo CD releases it from
// deploy/<name>/overlays/<stack>.
type Service struct {
	// Name is the service (mita-backend): its repository, role, secrets
	// and Kubernetes objects are named after it.
	Name string `json:"name"`
	// Team owns it: its Argo CD project, and the developers of its
	// namespace.
	Team string `json:"team"`
	// Namespace is one of baseline.applications; the team's name by
	// default.
	Namespace string `json:"namespace"`
	// Host is its DNS name, covered by the edge certificate: edge.domain
	// by default.
	Host string `json:"host"`
	// SLO is required: every service is released against its objectives
	// (the canary analysis reads the same metrics).
	SLO *SLO `json:"slo"`
	// Secrets are created empty and filled (and rotated) outside Pulumi.
	Secrets []ServiceSecret `json:"secrets"`
	// DatabaseUser is the PostgreSQL user it connects as with IAM
	// authentication; empty: no database access.
	DatabaseUser string `json:"databaseUser"`
	// DataBucket grants read and write under <name>/ of the data bucket.
	DataBucket bool `json:"dataBucket"`
}

// SLO is a service's objectives: availability (share of non-5xx
// responses) and latency (share of requests faster than
// latencyThresholdSeconds), both in percent over 30 days.
type SLO struct {
	Availability            float64 `json:"availability"`
	Latency                 float64 `json:"latency"`
	LatencyThresholdSeconds string  `json:"latencyThresholdSeconds"`
}

// ServiceSecret is one of a service's secrets.
type ServiceSecret struct {
	Name              string `json:"name"`
	Description       string `json:"description"`
	RotationLambdaArn string `json:"rotationLambdaArn"`
	RotationRoleArn   string `json:"rotationRoleArn"`
	RotationDays      int    `json:"rotationDays"`
}

// Delivery is platform:delivery: Argo CD, Argo Rollouts and KEDA
// (components/delivery).
type Delivery struct {
	// Charts pins "argo-cd", "argo-rollouts" and "keda".
	Charts map[string]Chart `json:"charts"`
	// Repository (owner/name on GitHub) is the only source Argo CD
	// syncs from: identity.github.repository by default (the dr stack,
	// which has no identity of its own, names it).
	Repository string `json:"repository"`
	// Revision is the branch Argo CD follows: identity.github.branch by
	// default (what main deploys is what Argo CD syncs).
	Revision string `json:"revision"`
	// OIDC is Argo CD's single sign-on (the local admin is disabled).
	OIDC OIDC `json:"oidc"`
	// AdminGroups are the identity provider's groups that administer Argo
	// CD; the auditors' and each namespace's developers' groups are the
	// baseline's.
	AdminGroups []string `json:"adminGroups"`
	// RepositorySecret is the Secrets Manager secret with the GitHub App
	// Argo CD reads this repository with; <project>/<env>/argocd-repository
	// by default.
	RepositorySecret string `json:"repositorySecret"`
}

// OIDC is Argo CD's identity provider.
type OIDC struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientId"`
	// ClientSecret is the Secrets Manager secret holding the client
	// secret; <project>/<env>/argocd-oidc by default.
	ClientSecret string `json:"clientSecret"`
}

// DeliveryCharts are the charts platform:delivery pins.
var DeliveryCharts = []string{"argo-cd", "argo-rollouts", "keda"}

// ServiceSLOs are the SLOs of monitoring.slos and of every service.
func (c StackConfig) ServiceSLOs() []ServiceSLO {
	out := append([]ServiceSLO(nil), c.Monitoring.SLOs...)
	for _, s := range c.Services {
		if s.SLO != nil {
			out = append(out, ServiceSLO{Service: s.Name, Availability: s.SLO.Availability, Latency: s.SLO.Latency, LatencyThresholdSeconds: s.SLO.LatencyThresholdSeconds})
		}
	}
	return out
}

func (c StackConfig) servicesWithDefaults() []Service {
	out := make([]Service, len(c.Services))
	for i, s := range c.Services {
		if s.Namespace == "" {
			s.Namespace = s.Team
		}
		if s.Host == "" {
			s.Host = c.Edge.Domain
		}
		if s.SLO != nil {
			slo := *s.SLO
			if slo.LatencyThresholdSeconds == "" {
				slo.LatencyThresholdSeconds = "0.5"
			}
			s.SLO = &slo
		}
		s.Secrets = append([]ServiceSecret(nil), s.Secrets...)
		for j := range s.Secrets {
			setDefault(&s.Secrets[j].RotationDays, 30)
		}
		out[i] = s
	}
	return out
}

func (d Delivery) withDefaults(github GitHub) Delivery {
	branch := github.Branch
	if d.Repository == "" {
		d.Repository = github.Repository
	}
	if d.Revision == "" {
		d.Revision = branch
	}
	return d
}

var (
	secretName  = regexp.MustCompile(`^[a-z0-9][a-z0-9/_+=.@-]{0,100}$`)
	postgresID  = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	lambdaARN   = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:.+$`)
	roleARN     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
	groupName   = regexp.MustCompile(`^[A-Za-z0-9:_.@/-]+$`)
	maxSecretID = 100
)

// validateDelivery checks platform:services and platform:delivery.
func (c StackConfig) validateDelivery() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	namespaces := map[string]bool{}
	for _, n := range c.Baseline.Applications {
		namespaces[n.Name] = true
	}
	seen := map[string]bool{}
	for _, s := range c.Monitoring.SLOs {
		seen[s.Service] = true
	}
	for i, s := range c.Services {
		at := fmt.Sprintf("services[%d]", i)
		if !dnsLabel.MatchString(s.Name) {
			add(at+".name", "must be a DNS label such as mita-backend, got %q", s.Name)
		}
		if seen[s.Name] {
			add(at+".name", "%q is declared twice (or also has SLOs in monitoring.slos)", s.Name)
		}
		seen[s.Name] = true
		if !dnsLabel.MatchString(s.Team) {
			add(at+".team", "name the owning team (a DNS label; its Argo CD project), got %q", s.Team)
		}
		if !namespaces[s.Namespace] {
			add(at+".namespace", "%q is not one of baseline.applications: add the namespace there first", s.Namespace)
		}
		if !dnsName.MatchString(s.Host) {
			add(at+".host", "a DNS name covered by the edge certificate (edge.domain by default), got %q", s.Host)
		} else if c.Edge.Domain != "" && s.Host != c.Edge.Domain {
			add(at+".host", "must be edge.domain (%s): the ingress class serves that certificate only, got %q", c.Edge.Domain, s.Host)
		}
		if s.SLO == nil {
			add(at+".slo", "every service declares its objectives, e.g. slo: {availability: 99.9, latency: 95, latencyThresholdSeconds: \"0.5\"}: alerts, dashboards and the canary analysis are built from them")
		} else {
			errs = append(errs, validateSLO(at+".slo", s.SLO.Availability, s.SLO.Latency, s.SLO.LatencyThresholdSeconds)...)
		}
		names := map[string]bool{}
		for j, sec := range s.Secrets {
			sat := fmt.Sprintf("%s.secrets[%d]", at, j)
			if !secretName.MatchString(s.Name+"/"+sec.Name) || strings.Contains(sec.Name, "/") || len(sec.Name) > maxSecretID {
				add(sat+".name", "lower-case letters, digits and _+=.@-, got %q", sec.Name)
			}
			if names[sec.Name] {
				add(sat+".name", "%q is declared twice", sec.Name)
			}
			names[sec.Name] = true
			if !lambdaARN.MatchString(sec.RotationLambdaArn) {
				add(sat+".rotationLambdaArn", "every secret rotates (control 61): the ARN of its rotation function, got %q", sec.RotationLambdaArn)
			}
			if !roleARN.MatchString(sec.RotationRoleArn) {
				add(sat+".rotationRoleArn", "the rotation function's IAM role ARN, got %q", sec.RotationRoleArn)
			}
			if sec.RotationDays < 1 || sec.RotationDays > 90 {
				add(sat+".rotationDays", "1 to 90, got %d", sec.RotationDays)
			}
		}
		if s.DatabaseUser != "" && !postgresID.MatchString(s.DatabaseUser) {
			add(at+".databaseUser", "a PostgreSQL user name (lower-case letters, digits, '_'), got %q", s.DatabaseUser)
		}
	}
	if len(c.Services) == 0 {
		return errs
	}
	d := c.Delivery
	for _, name := range DeliveryCharts {
		ch, ok := d.Charts[name]
		if !ok {
			add("delivery.charts."+name, "pin the chart: repository (https) and version")
			continue
		}
		for _, e := range addons.ValidateChart(addons.Chart{Repository: ch.Repository, Version: ch.Version}) {
			add("delivery.charts."+name+"."+e.Path, "%s", e.Message)
		}
	}
	if !repoName.MatchString(d.Repository) {
		add("delivery.repository", "the GitHub repository Argo CD syncs from, owner/name (identity.github.repository by default), got %q", d.Repository)
	}
	if !branchName.MatchString(d.Revision) {
		add("delivery.revision", "the branch Argo CD follows, got %q", d.Revision)
	}
	if u, err := url.Parse(d.OIDC.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		add("delivery.oidc.issuer", "the https URL of the identity provider Argo CD signs in with (the local admin is disabled), got %q", d.OIDC.Issuer)
	}
	if d.OIDC.ClientID == "" {
		add("delivery.oidc.clientId", "the client id registered with the identity provider")
	}
	if len(d.AdminGroups) == 0 {
		add("delivery.adminGroups", "name the identity provider's group that administers Argo CD")
	}
	for i, g := range d.AdminGroups {
		if !groupName.MatchString(g) || strings.Contains(g, "*") {
			add(fmt.Sprintf("delivery.adminGroups[%d]", i), "a group name without wildcards, got %q", g)
		}
	}
	return errs
}

// validateSLO checks one service's objectives.
func validateSLO(at string, availability, latency float64, threshold string) []error {
	var errs []error
	for _, o := range []struct {
		field string
		v     float64
	}{{"availability", availability}, {"latency", latency}} {
		if o.v < 90 || o.v >= 100 {
			errs = append(errs, fieldErr(at+"."+o.field, "must be at least 90 and below 100 (a 100%% objective has no error budget), got %g", o.v))
		}
	}
	if !seconds.MatchString(threshold) {
		errs = append(errs, fieldErr(at+".latencyThresholdSeconds", "a histogram bucket bound in seconds such as 0.5, got %q", threshold))
	}
	return errs
}
