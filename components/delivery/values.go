package delivery

import (
	"fmt"
	"strings"

	"platform/components/addons"
)

// The releases' values, as typed structs (see components/addons): only
// the keys the platform sets are declared, the charts' defaults hold for
// the rest. Every key below exists in the pinned chart versions: argo-cd
// 10.1.1 (Argo CD v3.4.4, with the redis-ha 4.38.0 subchart),
// argo-rollouts 2.41.0 (v1.9.0) and keda 2.20.2 (2.20.2). Keys under
// configs.cm, configs.params and configs.rbac are Argo CD's own settings
// (argocd-cm, argocd-cmd-params-cm, argocd-rbac-cm), which the chart
// writes as they are.

// Where Argo CD is reached without a Host: kubectl port-forward
// svc/argocd-server -n delivery 8080:443, then https://localhost:8080.
const PortForwardHost = "localhost:8080"

// The images' numeric users, for the containers whose chart sets none:
// Redis and HAProxy in the redis-ha subchart.
const (
	redisUser   = 1000
	haproxyUser = 99
)

// The OIDC client secret reaches Argo CD as the key OIDCSecretKey of the
// Secret OIDCSecret, which oidc.config references as
// $<secret>:<key>; Argo CD reads only Secrets labelled
// app.kubernetes.io/part-of: argocd that way.
const (
	OIDCSecret    = "argocd-oidc"
	OIDCSecretKey = "clientSecret"
	partOfLabel   = "app.kubernetes.io/part-of"
)

// restricted is the container security context of the restricted Pod
// Security Standard; user is the image's numeric user, 0 to keep the
// image's own (numeric and non-root in every Argo and KEDA image).
func restricted(user int) addons.SecurityContext {
	sc := addons.Restricted()
	sc.RunAsUser = user
	return sc
}

// PodSecurityContext is a pod's, for the restricted Pod Security Standard.
type PodSecurityContext struct {
	RunAsNonRoot   bool                  `json:"runAsNonRoot"`
	SeccompProfile addons.SeccompProfile `json:"seccompProfile"`
}

var podRestricted = PodSecurityContext{RunAsNonRoot: true, SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"}}

// ZoneSpread is a topology spread constraint without a label selector:
// the argo charts select the component's own pods.
type ZoneSpread struct {
	MaxSkew           int    `json:"maxSkew"`
	TopologyKey       string `json:"topologyKey"`
	WhenUnsatisfiable string `json:"whenUnsatisfiable"`
}

// zones keeps replicas in different zones (strictly) and nodes (where
// possible).
var zones = []ZoneSpread{
	{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: "DoNotSchedule"},
	{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway"},
}

// Metrics switches a component's metrics Service and its ServiceMonitor
// on (Prometheus selects ServiceMonitors from every namespace).
type Metrics struct {
	Enabled        bool           `json:"enabled"`
	ServiceMonitor addons.Enabled `json:"serviceMonitor"`
}

var metricsOn = Metrics{Enabled: true, ServiceMonitor: addons.Enabled{Enabled: true}}

// --- argo-cd ---

// ArgoCDValues are the argo-cd chart's.
type ArgoCDValues struct {
	Global  ArgoGlobal  `json:"global"`
	CRDs    ArgoCRDs    `json:"crds"`
	Configs ArgoConfigs `json:"configs"`
	// Controller runs one replica: sharding is off (one cluster), and a
	// restarted controller resumes from the Applications' state.
	Controller     ArgoComponent `json:"controller"`
	Server         ArgoServer    `json:"server"`
	RepoServer     ArgoComponent `json:"repoServer"`
	ApplicationSet ArgoComponent `json:"applicationSet"`
	// Dex is off: Argo CD talks OIDC to the identity provider itself.
	Dex addons.Enabled `json:"dex"`
	// Notifications are off: Prometheus alerts on the Applications'
	// health and sync status.
	Notifications addons.Enabled `json:"notifications"`
	// RedisHA replaces the single Redis (the chart switches it off).
	RedisHA RedisHAValues `json:"redis-ha"`
	// RedisSecretInit is the pre-install Job that generates the Redis
	// password Secret (argocd-redis): no password in values or state.
	RedisSecretInit ArgoJob `json:"redisSecretInit"`
}

// ArgoGlobal are the defaults of every Argo CD component.
type ArgoGlobal struct {
	// Domain makes argocd-cm's url (https://<domain>), which the OIDC
	// redirect URI is built from.
	Domain          string             `json:"domain"`
	Logging         ArgoLogging        `json:"logging"`
	SecurityContext PodSecurityContext `json:"securityContext"`
	// NetworkPolicy off: the baseline owns the namespace's policies, and
	// the chart's would admit anything to the server (ingress: [{}]).
	NetworkPolicy ArgoNetworkPolicy `json:"networkPolicy"`
	// Affinity hard: replicas on different nodes (required), preferably
	// in different zones; TopologySpreadConstraints make the zones strict.
	Affinity                  ArgoAffinity `json:"affinity"`
	TopologySpreadConstraints []ZoneSpread `json:"topologySpreadConstraints"`
}

// ArgoLogging is the components' log format: JSON for Fluent Bit.
type ArgoLogging struct {
	Format string `json:"format"`
}

// ArgoNetworkPolicy is global.networkPolicy.
type ArgoNetworkPolicy struct {
	Create bool `json:"create"`
}

// ArgoAffinity is global.affinity's preset.
type ArgoAffinity struct {
	PodAntiAffinity string `json:"podAntiAffinity"`
}

// ArgoCRDs are installed with the chart and kept on uninstall: deleting
// them would delete every Application.
type ArgoCRDs struct {
	Install bool `json:"install"`
	Keep    bool `json:"keep"`
}

// ArgoConfigs are Argo CD's ConfigMaps.
type ArgoConfigs struct {
	CM     ArgoCM     `json:"cm"`
	Params ArgoParams `json:"params"`
	RBAC   ArgoRBAC   `json:"rbac"`
}

// ArgoCM is argocd-cm.
type ArgoCM struct {
	// AdminEnabled false: no local admin; people sign in through OIDC.
	AdminEnabled bool `json:"admin.enabled"`
	// ExecEnabled false: no terminal into pods from the UI.
	ExecEnabled bool `json:"exec.enabled"`
	// AnonymousEnabled false: nothing without signing in.
	AnonymousEnabled bool `json:"users.anonymous.enabled"`
	// StatusBadgeEnabled false: no unauthenticated status endpoint.
	StatusBadgeEnabled bool `json:"statusbadge.enabled"`
	// OIDCConfig is the identity provider (YAML).
	OIDCConfig string `json:"oidc.config"`
}

// ArgoParams is argocd-cmd-params-cm.
type ArgoParams struct {
	// ServerInsecure false: the server serves TLS itself, port-forwarded
	// or behind whatever exposes Host.
	ServerInsecure bool `json:"server.insecure"`
	// SCMProviders false: the ApplicationSet controller's SCM-provider
	// generator would call any SCM API an ApplicationSet names.
	SCMProviders bool `json:"applicationsetcontroller.enable.scm.providers"`
}

// ArgoRBAC is argocd-rbac-cm.
type ArgoRBAC struct {
	// PolicyDefault "": a signed-in user in no group below has no access.
	PolicyDefault string `json:"policy.default"`
	PolicyCSV     string `json:"policy.csv"`
	// Scopes: the groups claim is what the policy's g lines match.
	Scopes    string `json:"scopes"`
	MatchMode string `json:"policy.matchMode"`
}

// ArgoComponent is one Argo CD Deployment or StatefulSet.
type ArgoComponent struct {
	Replicas                 int                    `json:"replicas"`
	Resources                addons.Resources       `json:"resources"`
	ContainerSecurityContext addons.SecurityContext `json:"containerSecurityContext"`
	// PDB, for the components that run more than one replica.
	PDB     *addons.MinAvailable `json:"pdb,omitempty"`
	Metrics Metrics              `json:"metrics"`
}

// ArgoServer is the API server and UI.
type ArgoServer struct {
	ArgoComponent
	// Service stays ClusterIP and Ingress off: the server is reached
	// through the API server (port-forward) or what exposes Host.
	Service ArgoService    `json:"service"`
	Ingress addons.Enabled `json:"ingress"`
}

// ArgoService is the server's Service.
type ArgoService struct {
	Type string `json:"type"`
}

// ArgoJob is a chart Job's pod.
type ArgoJob struct {
	Resources                addons.Resources       `json:"resources"`
	ContainerSecurityContext addons.SecurityContext `json:"containerSecurityContext"`
	SecurityContext          PodSecurityContext     `json:"securityContext"`
}

// RedisHAValues are the redis-ha subchart's: three Redis servers with
// Sentinel, behind HAProxy, a cache only (no volume).
type RedisHAValues struct {
	Enabled  bool `json:"enabled"`
	Replicas int  `json:"replicas"`
	// HardAntiAffinity: one Redis per node; TopologySpreadConstraints:
	// strictly one per zone.
	HardAntiAffinity          bool                   `json:"hardAntiAffinity"`
	TopologySpreadConstraints RedisSpread            `json:"topologySpreadConstraints"`
	PodDisruptionBudget       addons.MaxUnavailable  `json:"podDisruptionBudget"`
	PersistentVolume          addons.Enabled         `json:"persistentVolume"`
	ContainerSecurityContext  addons.SecurityContext `json:"containerSecurityContext"`
	Redis                     WithResources          `json:"redis"`
	Sentinel                  WithResources          `json:"sentinel"`
	SplitBrainDetection       WithResources          `json:"splitBrainDetection"`
	Init                      WithResources          `json:"init"`
	HAProxy                   HAProxyValues          `json:"haproxy"`
}

// RedisSpread is redis-ha's one topology spread constraint (for Redis
// and HAProxy alike).
type RedisSpread struct {
	Enabled           bool   `json:"enabled"`
	MaxSkew           int    `json:"maxSkew"`
	TopologyKey       string `json:"topologyKey"`
	WhenUnsatisfiable string `json:"whenUnsatisfiable"`
}

// WithResources is a container's resources.
type WithResources struct {
	Resources addons.Resources `json:"resources"`
}

// HAProxyValues are redis-ha's HAProxy, which sends Argo CD to the
// current Redis master.
type HAProxyValues struct {
	Enabled                  bool                   `json:"enabled"`
	Replicas                 int                    `json:"replicas"`
	HardAntiAffinity         bool                   `json:"hardAntiAffinity"`
	Resources                addons.Resources       `json:"resources"`
	Init                     WithResources          `json:"init"`
	ContainerSecurityContext addons.SecurityContext `json:"containerSecurityContext"`
	PodDisruptionBudget      addons.MaxUnavailable  `json:"podDisruptionBudget"`
	Metrics                  Metrics                `json:"metrics"`
}

// ArgoCDValuesFor are Argo CD's values.
func ArgoCDValuesFor(a DeliveryArgs) ArgoCDValues {
	a = a.withDefaults()
	domain := a.Host
	if domain == "" {
		domain = PortForwardHost
	}
	component := func(replicas int, res addons.Resources) ArgoComponent {
		c := ArgoComponent{Replicas: replicas, Resources: res, ContainerSecurityContext: restricted(0), Metrics: metricsOn}
		if replicas > 1 {
			c.PDB = &addons.MinAvailable{Enabled: true, MinAvailable: replicas - 1}
		}
		return c
	}
	return ArgoCDValues{
		Global: ArgoGlobal{
			Domain: domain, Logging: ArgoLogging{Format: "json"}, SecurityContext: podRestricted,
			NetworkPolicy: ArgoNetworkPolicy{Create: false}, Affinity: ArgoAffinity{PodAntiAffinity: "hard"},
			TopologySpreadConstraints: zones,
		},
		CRDs: ArgoCRDs{Install: true, Keep: true},
		Configs: ArgoConfigs{
			CM:     ArgoCM{OIDCConfig: oidcConfig(a.OIDC)},
			Params: ArgoParams{ServerInsecure: false, SCMProviders: false},
			RBAC:   ArgoRBAC{PolicyDefault: "", PolicyCSV: PolicyCSV(a), Scopes: "[groups]", MatchMode: "glob"},
		},
		Controller: component(1, addons.Requests("250m", "512Mi", "2Gi")),
		Server: ArgoServer{
			ArgoComponent: component(2, addons.Requests("100m", "128Mi", "512Mi")),
			Service:       ArgoService{Type: "ClusterIP"}, Ingress: addons.Enabled{Enabled: false},
		},
		// The repo server runs kustomize; the copyutil init container
		// takes its resources too.
		RepoServer:     component(2, addons.Requests("100m", "256Mi", "1Gi")),
		ApplicationSet: component(2, addons.Requests("50m", "64Mi", "256Mi")),
		Dex:            addons.Enabled{Enabled: false},
		Notifications:  addons.Enabled{Enabled: false},
		RedisHA: RedisHAValues{
			Enabled: true, Replicas: 3, HardAntiAffinity: true,
			TopologySpreadConstraints: RedisSpread{Enabled: true, MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: "DoNotSchedule"},
			// Sentinel keeps a quorum of 2 with one server away.
			PodDisruptionBudget:      addons.MaxUnavailable{MaxUnavailable: 1},
			PersistentVolume:         addons.Enabled{Enabled: false},
			ContainerSecurityContext: restricted(redisUser),
			Redis:                    WithResources{addons.Requests("100m", "128Mi", "512Mi")},
			Sentinel:                 WithResources{addons.Requests("20m", "32Mi", "128Mi")},
			SplitBrainDetection:      WithResources{addons.Requests("10m", "32Mi", "64Mi")},
			Init:                     WithResources{addons.Requests("10m", "32Mi", "64Mi")},
			HAProxy: HAProxyValues{
				Enabled: true, Replicas: 3, HardAntiAffinity: true,
				Resources:                addons.Requests("50m", "64Mi", "256Mi"),
				Init:                     WithResources{addons.Requests("10m", "32Mi", "64Mi")},
				ContainerSecurityContext: restricted(haproxyUser),
				PodDisruptionBudget:      addons.MaxUnavailable{MaxUnavailable: 1},
				Metrics:                  metricsOn,
			},
		},
		RedisSecretInit: ArgoJob{
			Resources: addons.Requests("10m", "32Mi", "64Mi"), ContainerSecurityContext: restricted(0), SecurityContext: podRestricted,
		},
	}
}

// oidcConfig is argocd-cm's oidc.config: the client secret is a reference
// to the Secret External Secrets makes, never a value.
func oidcConfig(o OIDC) string {
	return strings.Join([]string{
		"name: SSO",
		fmt.Sprintf("issuer: %q", o.Issuer),
		fmt.Sprintf("clientID: %q", o.ClientID),
		fmt.Sprintf("clientSecret: %q", "$"+OIDCSecret+":"+OIDCSecretKey),
		"requestedScopes: [\"openid\", \"profile\", \"email\", \"groups\"]",
		"requestedIDTokenClaims: {\"groups\": {\"essential\": true}}",
	}, "\n") + "\n"
}

// Argo CD's built-in roles.
const (
	roleAdmin    = "role:admin"
	roleReadonly = "role:readonly"
)

// TeamRole is the Argo CD role of a team's developers.
func TeamRole(team string) string { return "role:team-" + team }

// PolicyCSV is argocd-rbac-cm's policy.csv: platform admins administer,
// auditors read everything, and each team's developers see and sync the
// Applications of their own project, nothing else (no create, update,
// delete, override, exec or logs beyond what the cluster's RBAC gives).
func PolicyCSV(a DeliveryArgs) string {
	a = a.withDefaults()
	var lines []string
	for _, g := range a.AdminGroups {
		lines = append(lines, "g, "+g+", "+roleAdmin)
	}
	for _, g := range a.AuditorGroups {
		lines = append(lines, "g, "+g+", "+roleReadonly)
	}
	for _, t := range a.Teams {
		role := TeamRole(t.Name)
		for _, action := range []string{"get", "sync"} {
			lines = append(lines, fmt.Sprintf("p, %s, applications, %s, %s/*, allow", role, action, t.Name))
		}
		for _, g := range t.Groups {
			lines = append(lines, "g, "+g+", "+role)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// --- argo-rollouts ---

// RolloutsValues are the argo-rollouts chart's.
type RolloutsValues struct {
	InstallCRDs bool               `json:"installCRDs"`
	KeepCRDs    bool               `json:"keepCRDs"`
	Controller  RolloutsController `json:"controller"`
	// Dashboard off: Rollouts are read through Argo CD and kubectl.
	Dashboard                addons.Enabled         `json:"dashboard"`
	PodSecurityContext       PodSecurityContext     `json:"podSecurityContext"`
	ContainerSecurityContext addons.SecurityContext `json:"containerSecurityContext"`
	// ProviderRBAC only for the AWS Load Balancer Controller, the
	// platform's one traffic router: no RBAC on Istio, SMI, Gateway API
	// and the others' objects.
	ProviderRBAC ProviderRBAC `json:"providerRBAC"`
}

// RolloutsController is the controller: with more than one replica the
// chart passes --leader-elect.
type RolloutsController struct {
	Replicas                  int              `json:"replicas"`
	Resources                 addons.Resources `json:"resources"`
	TopologySpreadConstraints []ZoneSpread     `json:"topologySpreadConstraints"`
	PDB                       RolloutsPDB      `json:"pdb"`
	Metrics                   Metrics          `json:"metrics"`
	Logging                   RolloutsLogging  `json:"logging"`
}

// RolloutsPDB is the controller's PodDisruptionBudget.
type RolloutsPDB struct {
	Enabled      bool `json:"enabled"`
	MinAvailable int  `json:"minAvailable"`
}

// RolloutsLogging is the controller's log format.
type RolloutsLogging struct {
	Format string `json:"format"`
}

// ProviderRBAC are the traffic routers the controller gets RBAC for.
type ProviderRBAC struct {
	Enabled   bool            `json:"enabled"`
	Providers map[string]bool `json:"providers"`
}

// rolloutsProviders are every provider the chart knows.
var rolloutsProviders = []string{"istio", "smi", "ambassador", "awsLoadBalancerController", "awsAppMesh", "traefik", "apisix", "contour", "glooPlatform", "gatewayAPI"}

// RolloutsValuesFor are Argo Rollouts' values.
func RolloutsValuesFor() RolloutsValues {
	providers := map[string]bool{}
	for _, p := range rolloutsProviders {
		providers[p] = p == "awsLoadBalancerController"
	}
	return RolloutsValues{
		InstallCRDs: true, KeepCRDs: true,
		Controller: RolloutsController{
			Replicas: 2, Resources: addons.Requests("100m", "128Mi", "512Mi"),
			TopologySpreadConstraints: zones,
			PDB:                       RolloutsPDB{Enabled: true, MinAvailable: 1},
			Metrics:                   metricsOn,
			Logging:                   RolloutsLogging{Format: "json"},
		},
		Dashboard:          addons.Enabled{Enabled: false},
		PodSecurityContext: podRestricted, ContainerSecurityContext: restricted(0),
		ProviderRBAC: ProviderRBAC{Enabled: true, Providers: providers},
	}
}

// --- keda ---

// KEDAValues are the keda chart's. Its three parts (the operator, the
// metrics API server, the admission webhooks) are configured under one
// key each.
type KEDAValues struct {
	CRDs                      KEDACRDs                          `json:"crds"`
	Operator                  KEDAReplicas                      `json:"operator"`
	MetricsServer             KEDAReplicas                      `json:"metricsServer"`
	Webhooks                  KEDAWebhooks                      `json:"webhooks"`
	Resources                 KEDAParts[addons.Resources]       `json:"resources"`
	SecurityContext           KEDAParts[addons.SecurityContext] `json:"securityContext"`
	PodSecurityContext        KEDAParts[PodSecurityContext]     `json:"podSecurityContext"`
	PodDisruptionBudget       KEDAParts[KEDAMinAvailable]       `json:"podDisruptionBudget"`
	TopologySpreadConstraints KEDASpread                        `json:"topologySpreadConstraints"`
	Prometheus                KEDAParts[Metrics]                `json:"prometheus"`
	RBAC                      KEDARBAC                          `json:"rbac"`
	Permissions               KEDAPermissions                   `json:"permissions"`
}

// KEDACRDs are installed with the chart.
type KEDACRDs struct {
	Install bool `json:"install"`
}

// KEDAReplicas is a part's replica count: the operator and the metrics
// server elect a leader (a second replica shortens a failover; it adds no
// capacity).
type KEDAReplicas struct {
	ReplicaCount int `json:"replicaCount"`
}

// KEDAWebhooks are the admission webhooks validating ScaledObjects.
type KEDAWebhooks struct {
	Enabled      bool `json:"enabled"`
	ReplicaCount int  `json:"replicaCount"`
	// FailurePolicy Fail: an invalid ScaledObject is refused even when the
	// webhooks are down (they only see KEDA's own kinds).
	FailurePolicy string `json:"failurePolicy"`
}

// KEDAParts is a value per part, under the keys most of the chart uses.
type KEDAParts[T any] struct {
	Operator     T `json:"operator"`
	MetricServer T `json:"metricServer"`
	Webhooks     T `json:"webhooks"`
}

// KEDASpread is topologySpreadConstraints, whose metrics server key is
// spelled metricsServer.
type KEDASpread struct {
	Operator      []addons.SpreadConstraint `json:"operator"`
	MetricsServer []addons.SpreadConstraint `json:"metricsServer"`
	Webhooks      []addons.SpreadConstraint `json:"webhooks"`
}

// KEDAMinAvailable is a part's PodDisruptionBudget.
type KEDAMinAvailable struct {
	MinAvailable int `json:"minAvailable"`
}

// KEDARBAC limits what KEDA may scale to Argo Rollouts besides the
// Deployments and StatefulSets the chart always grants, instead of the
// scale subresource of every kind.
type KEDARBAC struct {
	EnabledCustomScaledRefKinds bool             `json:"enabledCustomScaledRefKinds"`
	ScaledRefKinds              []KEDAScaledKind `json:"scaledRefKinds"`
}

// KEDAScaledKind is a scalable resource (Kind is the resource's plural,
// as the chart's ClusterRole uses it).
type KEDAScaledKind struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
}

// KEDAPermissions restrict the operator's and the metrics server's Secret
// access to their own namespace: the CPU, Prometheus and cron triggers
// need no TriggerAuthentication secret.
type KEDAPermissions struct {
	MetricServer KEDARestrict `json:"metricServer"`
	Operator     KEDARestrict `json:"operator"`
}

// KEDARestrict is one part's restriction.
type KEDARestrict struct {
	Restrict KEDASecret `json:"restrict"`
}

// KEDASecret restricts Secret reads to KEDA's namespace.
type KEDASecret struct {
	Secret bool `json:"secret"`
}

// The KEDA parts' pod names (their app labels).
const (
	KEDAOperator      = "keda-operator"
	KEDAMetricsServer = "keda-operator-metrics-apiserver"
	KEDAWebhooksName  = "keda-admission-webhooks"
)

// KEDAValuesFor are KEDA's values. The chart's default CPU limit (one
// core) stays: Helm merges these maps into its defaults.
func KEDAValuesFor() KEDAValues {
	spread := func(app string) []addons.SpreadConstraint {
		return addons.Spread(map[string]string{"app": app})
	}
	parts := func(v addons.SecurityContext) KEDAParts[addons.SecurityContext] {
		return KEDAParts[addons.SecurityContext]{v, v, v}
	}
	restrict := KEDARestrict{KEDASecret{Secret: true}}
	return KEDAValues{
		CRDs:          KEDACRDs{Install: true},
		Operator:      KEDAReplicas{ReplicaCount: 2},
		MetricsServer: KEDAReplicas{ReplicaCount: 2},
		Webhooks:      KEDAWebhooks{Enabled: true, ReplicaCount: 2, FailurePolicy: "Fail"},
		Resources: KEDAParts[addons.Resources]{
			Operator:     addons.Requests("100m", "128Mi", "512Mi"),
			MetricServer: addons.Requests("100m", "128Mi", "512Mi"),
			Webhooks:     addons.Requests("50m", "64Mi", "256Mi"),
		},
		SecurityContext:     parts(restricted(0)),
		PodSecurityContext:  KEDAParts[PodSecurityContext]{podRestricted, podRestricted, podRestricted},
		PodDisruptionBudget: KEDAParts[KEDAMinAvailable]{KEDAMinAvailable{1}, KEDAMinAvailable{1}, KEDAMinAvailable{1}},
		TopologySpreadConstraints: KEDASpread{
			Operator: spread(KEDAOperator), MetricsServer: spread(KEDAMetricsServer), Webhooks: spread(KEDAWebhooksName),
		},
		Prometheus: KEDAParts[Metrics]{metricsOn, metricsOn, metricsOn},
		RBAC: KEDARBAC{EnabledCustomScaledRefKinds: true, ScaledRefKinds: []KEDAScaledKind{
			{APIGroup: "argoproj.io", Kind: "rollouts"},
		}},
		Permissions: KEDAPermissions{MetricServer: restrict, Operator: restrict},
	}
}
