// Package delivery owns the cluster's GitOps layer: Argo CD (highly
// available, SSO only, no local admin, deny by default), Argo Rollouts and
// KEDA as pinned Helm releases in the platform namespace delivery, the
// repository credentials Argo CD clones with (a GitHub App, synced from
// Secrets Manager by External Secrets), one AppProject per team that is
// the team's guardrail (this repository only, the team's namespaces only,
// no cluster-scoped kinds, none of the kinds the platform owns), the
// default project locked down, and one Application per service releasing
// deploy/<service>/overlays/<stack>.
//
// Pulumi owns the platform and each service's platform contract
// (components/service: ServiceAccount, ExternalSecret, Ingress; the
// baseline: quota, limits, network policies, RBAC); Argo CD owns what the
// Git repository releases (Rollout, Services, ScaledObject,
// PodDisruptionBudget, ServiceMonitor). The AppProjects enforce that line:
// one owner per object.
//
// Nothing here calls an AWS API: the Argo parts talk to the API server,
// GitHub and the OIDC issuer, KEDA's CPU, Prometheus and cron triggers
// need no AWS credentials, so there is no Pod Identity role.
package delivery

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/baseline"
)

// Where delivery runs, its releases and the charts they install.
const (
	// Namespace is DeliveryArgs.Namespace's default; the baseline creates
	// it.
	Namespace = "delivery"
	// ArgoCDRelease is "argocd" so the chart names its objects argocd-*
	// (argocd-server, argocd-repo-server, argocd-redis-ha-haproxy), the
	// names the argocd CLI and the Argo CD documentation use.
	ArgoCDRelease   = "argocd"
	RolloutsRelease = "argo-rollouts"
	KEDARelease     = "keda"
	ArgoCDChart     = "argo-cd"
	RolloutsChart   = "argo-rollouts"
	KEDAChart       = "keda"
)

// DefaultRevision is the branch the Applications follow unless
// DeliveryArgs.Revision says otherwise.
const DefaultRevision = "main"

// OIDC is Argo CD's single sign-on.
type OIDC struct {
	// Issuer is the identity provider's https issuer URL; ClientID the
	// client registered there for Argo CD, with redirect URI
	// https://<host>/auth/callback (https://localhost:8080/auth/callback
	// without a Host).
	Issuer, ClientID string
	// ClientSecretName is the Secrets Manager secret holding the client
	// secret as the JSON property OIDCSecretKey ({"clientSecret": "..."}).
	ClientSecretName string
}

// Team is a team releasing services.
type Team struct {
	// Name is the team's AppProject and the name its Argo CD role is
	// derived from.
	Name string
	// Namespaces are the only ones the team's Applications deploy to.
	Namespaces []string
	// Groups are the identity provider's groups of the team's developers;
	// defaults to baseline.DevelopersGroup of each namespace, the groups
	// the cluster's RBAC already knows.
	Groups []string
}

// Service is one service Argo CD releases: from
// deploy/<Name>/overlays/<stack> to Namespace, in its team's project.
type Service struct {
	Name, Team, Namespace string
}

// DeliveryArgs configure delivery on one cluster.
type DeliveryArgs struct {
	// Namespace defaults to Namespace.
	Namespace string
	// Stack names the overlay every Application releases (production, dr).
	Stack string
	// RepoURL is the GitHub repository, https form
	// (https://github.com/<owner>/<repo>.git), the only source of every
	// project.
	RepoURL string
	// Revision the Applications follow; defaults to DefaultRevision.
	Revision string
	// RepoSecretName is the Secrets Manager secret holding the GitHub
	// App's credentials as the JSON properties GitHubAppProperties.
	RepoSecretName string
	// Host is the name Argo CD is reached at, if anything exposes it; the
	// server's Service stays ClusterIP either way and this component
	// creates no Ingress. Empty: reached by port-forward only, at
	// https://PortForwardHost.
	Host string
	// Charts pins argo-cd, argo-rollouts and keda.
	Charts map[string]addons.Chart
	OIDC   OIDC
	// AdminGroups get Argo CD's role:admin; AuditorGroups role:readonly
	// (defaults to baseline.AuditorsGroup).
	AdminGroups, AuditorGroups []string
	Teams                      []Team
	Services                   []Service
	// DependsOn: the namespace and its baseline, the External Secrets
	// operator and its ClusterSecretStore, kube-prometheus-stack (the
	// ServiceMonitor CRD: the charts render ServiceMonitors only when
	// the API exists).
	DependsOn []pulumi.Resource
}

// ChartNames are the charts delivery installs, sorted.
func ChartNames() []string { return []string{ArgoCDChart, RolloutsChart, KEDAChart} }

// withDefaults fills what the stack config may leave out.
func (a DeliveryArgs) withDefaults() DeliveryArgs {
	if a.Namespace == "" {
		a.Namespace = Namespace
	}
	if a.Revision == "" {
		a.Revision = DefaultRevision
	}
	if a.AuditorGroups == nil {
		a.AuditorGroups = []string{baseline.AuditorsGroup}
	}
	teams := make([]Team, len(a.Teams))
	for i, t := range a.Teams {
		if t.Groups == nil {
			for _, ns := range t.Namespaces {
				t.Groups = append(t.Groups, baseline.DevelopersGroup(ns))
			}
		}
		teams[i] = t
	}
	a.Teams = teams
	return a
}

// team returns the team named name.
func (a DeliveryArgs) team(name string) (Team, bool) {
	i := slices.IndexFunc(a.Teams, func(t Team) bool { return t.Name == name })
	if i < 0 {
		return Team{}, false
	}
	return a.Teams[i], true
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	hostname = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$`)
	// githubRepo is the path of a GitHub repository's https URL.
	githubRepo = regexp.MustCompile(`^/[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}\.git$`)
	// revision is a branch, tag or commit: no spaces, no ranges.
	revision = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)
	// group is a group claim as the RBAC policy's CSV holds it: no comma,
	// quote or space.
	group = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9:._@/-]{0,254}$`)
	// secretName is a Secrets Manager secret name.
	secretName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	clientID   = regexp.MustCompile(`^[A-Za-z0-9._@:-]{1,255}$`)
)

// reservedNamespaces are never a team's: the control plane's, the
// default one, and delivery's own (added in Validate).
var reservedNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// Validate reports every problem with its field path (under delivery,
// the stack config's key).
func (args DeliveryArgs) Validate() error {
	a := args.withDefaults()
	var errs []error
	add := func(format string, v ...any) { errs = append(errs, fmt.Errorf("delivery."+format, v...)) }

	if !dnsLabel.MatchString(a.Namespace) {
		add("namespace: must be a DNS label, got %q", a.Namespace)
	}
	if !dnsLabel.MatchString(a.Stack) {
		add("stack: name the stack's overlay (deploy/<service>/overlays/<stack>), a DNS label, got %q", a.Stack)
	}
	if u, err := url.Parse(a.RepoURL); err != nil || u.Scheme != "https" || u.Host != "github.com" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || !githubRepo.MatchString(u.Path) {
		add("repoUrl: must be an https URL of this repository (https://github.com/<owner>/<repo>.git), got %q", a.RepoURL)
	}
	if !revision.MatchString(a.Revision) {
		add("revision: a branch, tag or commit, got %q", a.Revision)
	}
	if !secretName.MatchString(a.RepoSecretName) {
		add("repoSecretName: name the Secrets Manager secret of the GitHub App's credentials, got %q", a.RepoSecretName)
	}
	if a.Host != "" && !hostname.MatchString(a.Host) {
		add("host: a DNS name such as argocd.example.com (or empty: port-forward only), got %q", a.Host)
	}
	for _, e := range addons.PinnedCharts(a.Charts, ChartNames()) {
		add("charts.%s: %s", e.Path, e.Message)
	}
	for _, name := range slices.Sorted(maps.Keys(a.Charts)) {
		if !slices.Contains(ChartNames(), name) {
			add("charts.%s: not a chart delivery installs (%s)", name, strings.Join(ChartNames(), ", "))
		}
	}

	if u, err := url.Parse(a.OIDC.Issuer); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		add("oidc.issuer: the identity provider's https issuer URL, got %q", a.OIDC.Issuer)
	}
	if !clientID.MatchString(a.OIDC.ClientID) {
		add("oidc.clientId: the client registered for Argo CD, got %q", a.OIDC.ClientID)
	}
	if !secretName.MatchString(a.OIDC.ClientSecretName) {
		add("oidc.clientSecretName: name the Secrets Manager secret of the client secret, got %q", a.OIDC.ClientSecretName)
	}

	if len(a.AdminGroups) == 0 {
		add("adminGroups: the local admin is disabled: name at least one group of platform administrators")
	}
	for _, f := range []struct {
		field  string
		groups []string
	}{{"adminGroups", a.AdminGroups}, {"auditorGroups", a.AuditorGroups}} {
		for i, g := range f.groups {
			if !group.MatchString(g) {
				add("%s[%d]: a group name without spaces, commas or quotes, got %q", f.field, i, g)
			}
		}
	}

	reserved := append(slices.Clone(reservedNamespaces), a.Namespace)
	teamOf := map[string]string{}
	teams := map[string]bool{}
	for i, t := range a.Teams {
		at := fmt.Sprintf("teams[%d]", i)
		switch {
		case !dnsLabel.MatchString(t.Name):
			add("%s.name: a DNS label (it names the team's AppProject), got %q", at, t.Name)
		case t.Name == "default":
			add("%s.name: \"default\" is Argo CD's default project, locked down: name the team", at)
		case teams[t.Name]:
			add("%s.name: %q is a duplicate team", at, t.Name)
		}
		teams[t.Name] = true
		if len(t.Namespaces) == 0 {
			add("%s.namespaces: team %q has no namespace: its project could deploy nowhere", at, t.Name)
		}
		for j, ns := range t.Namespaces {
			switch {
			case !dnsLabel.MatchString(ns):
				add("%s.namespaces[%d]: a DNS label, got %q", at, j, ns)
			case slices.Contains(reserved, ns):
				add("%s.namespaces[%d]: %q is not an application namespace", at, j, ns)
			case teamOf[ns] != "":
				add("%s.namespaces[%d]: %q already belongs to team %q: one team per namespace", at, j, ns, teamOf[ns])
			}
			if teamOf[ns] == "" {
				teamOf[ns] = t.Name
			}
		}
		if len(t.Groups) == 0 {
			add("%s.groups: team %q has no group: nobody could sync its applications", at, t.Name)
		}
		for j, g := range t.Groups {
			if !group.MatchString(g) {
				add("%s.groups[%d]: a group name without spaces, commas or quotes, got %q", at, j, g)
			}
		}
	}

	services := map[string]bool{}
	for i, s := range a.Services {
		at := fmt.Sprintf("services[%d]", i)
		switch {
		case !dnsLabel.MatchString(s.Name):
			add("%s.name: a DNS label (it names the Application and its directory deploy/<service>), got %q", at, s.Name)
		case services[s.Name]:
			add("%s.name: %q is a duplicate service", at, s.Name)
		}
		services[s.Name] = true
		t, ok := a.team(s.Team)
		if !ok {
			add("%s.team: %q is not a team", at, s.Team)
			continue
		}
		if !slices.Contains(t.Namespaces, s.Namespace) {
			add("%s.namespace: %q is not among team %q's namespaces (%s)", at, s.Namespace, s.Team, strings.Join(t.Namespaces, ", "))
		}
	}
	return errors.Join(errs...)
}
