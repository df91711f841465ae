// Package service owns one application service's platform contract: what
// the platform provides so that Argo CD can release the service from Git
// (deploy/<service>/overlays/<stack>) without ever touching AWS. Pulumi
// owns these objects and Argo CD owns the release objects (Rollout,
// Services, ScaledObject, PodDisruptionBudget, ServiceMonitor): one owner
// per object.
//
//   - Images: the service's ECR repository (components/registry: immutable
//     tags, KMS, scan on push, lifecycle; only the CI deploy role may push),
//     in the primary stack; the DR region receives it by replication.
//   - Identity: the ServiceAccount the pods run as (no token automounted)
//     and its EKS Pod Identity role, whose inline policy grants only the
//     service's prefix of the data bucket and IAM authentication as its
//     own database user.
//   - Secrets: its Secrets Manager secrets (created empty, filled and
//     rotated outside the release; replicated to the DR region) and one
//     ExternalSecret that syncs them into the Secret <service>-secrets.
//     Only the External Secrets operator may read their values.
//   - Traffic: the Ingress of the API's load balancer class (WAF, TLS
//     policy, access logs and the certificate come from the class), whose
//     host external-dns publishes as a Route 53 failover record: primary in
//     production, secondary in dr.
//
// The service's SLOs come from the same config entry: the monitoring layer
// turns them into recording rules, burn-rate alerts and dashboards.
package service

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/cluster"
	"platform/components/registry"
	"platform/components/secrets"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Ports: the Service the Ingress targets listens on ServicePort, named
// PortName; the pods listen on the port named PortName too.
const (
	ServicePort = 80
	PortName    = "http"
)

// blockAction is the Ingress action that answers 404 in place of the
// service.
const blockAction = "block-metrics"

// Failover is a Route 53 failover role of the service's DNS record.
type Failover string

// The failover roles: production answers while its health check passes,
// dr otherwise.
const (
	Primary   Failover = "PRIMARY"
	Secondary Failover = "SECONDARY"
)

// Secret is one of the service's secrets: created empty here, its value
// set (and rotated) outside Pulumi, so no value is ever in config or
// state.
type Secret struct {
	// Name is the secret's short name; the full name is
	// <project>/<env>/<service>/<name>.
	Name        string
	Description string
	// RotationLambdaArn, RotationRoleArn and RotationDays rotate it
	// (control 61): every credential rotates.
	RotationLambdaArn, RotationRoleArn string
	RotationDays                       int
}

// Repository configures the service's image repository (primary stack).
type Repository struct {
	// KmsKeyArn is the region's data key.
	KmsKeyArn pulumi.StringInput
	// PushRoleArns may push (the CI deploy role); nobody else can.
	PushRoleArns []pulumi.StringInput
	// Lifecycle keeps enough release tags for a rollback.
	Lifecycle registry.Lifecycle
}

// Database is the service's access to the platform's PostgreSQL through
// IAM database authentication.
type Database struct {
	// ResourceID is the instance's DbiResourceId.
	ResourceID pulumi.StringInput
	// User is the database user the service connects as.
	User string
}

// Data is the service's access to the data bucket: read and write under
// its own prefix only.
type Data struct {
	BucketArn pulumi.StringInput
	// Prefix defaults to "<service>/".
	Prefix string
	// KmsKeyArn is the bucket's key, used through S3 only.
	KmsKeyArn pulumi.StringInput
}

// ServiceArgs configure one service's platform contract.
type ServiceArgs struct {
	Namer naming.Namer
	// Name is the service (mita-backend); Namespace the application
	// namespace it runs in, which the baseline creates; Team owns it.
	Name, Namespace, Team string
	// ClusterName is the cluster the Pod Identity association is made in.
	ClusterName pulumi.StringInput
	// PermissionBoundaryArn bounds the service's role.
	PermissionBoundaryArn pulumi.StringInput

	// Repository, in the primary stack only: the dr stack pulls the
	// replica ECR replication creates in its region.
	Repository *Repository
	// Secrets are the service's secrets. With SecretsKeyArn they are
	// created here (the primary stack), replicated to ReplicaRegion under
	// ReplicaSecretsKeyArn; without it (the dr stack) the replicas exist
	// already and only the ExternalSecret is made.
	Secrets              []Secret
	SecretsKeyArn        pulumi.StringInput
	ReplicaRegion        string
	ReplicaSecretsKeyArn pulumi.StringInput
	// SecretReaderArns may read the secrets' values: the External Secrets
	// operator's role.
	SecretReaderArns []string
	// ReplicaSecretReaderArns read the replicas in ReplicaRegion: the dr
	// stack's operator (see secrets.SecretArgs.ReplicaReaderRoleArns).
	ReplicaSecretReaderArns []string
	// SecretStore is the ClusterSecretStore the ExternalSecret uses.
	SecretStore string

	Database *Database
	Data     *Data

	// Host is the service's DNS name, covered by the ingress class's
	// certificate; IngressClass is the API load balancer's class.
	Host, IngressClass string
	// HealthCheckPath is the load balancer's target health check.
	HealthCheckPath string
	// Failover and HealthCheckID make the DNS record a Route 53 failover
	// record (the primary's needs the health check).
	Failover      Failover
	HealthCheckID pulumi.StringInput
	// SetIdentifier tells the two stacks' records apart (the stack).
	SetIdentifier string

	// Protect turns on pulumi.Protect for the repository and secrets.
	Protect bool
	// DependsOn: the namespace, the secret store and the ingress class
	// (baseline and add-ons).
	DependsOn []pulumi.Resource
}

var (
	dnsLabel    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	hostPattern = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,}$`)
	dbUser      = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	pathPattern = regexp.MustCompile(`^/[A-Za-z0-9/_.-]*$`)
)

func (a ServiceArgs) withDefaults() ServiceArgs {
	if a.Data != nil && a.Data.Prefix == "" {
		d := *a.Data
		d.Prefix = a.Name + "/"
		a.Data = &d
	}
	if a.HealthCheckPath == "" {
		a.HealthCheckPath = "/readyz"
	}
	if a.SetIdentifier == "" {
		a.SetIdentifier = a.Namer.Environment
	}
	return a
}

// Validate reports every problem with its field path.
func (a ServiceArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if !dnsLabel.MatchString(a.Name) {
		add("name: must be a DNS label (lower-case letters, digits and '-'), got %q", a.Name)
	}
	if !dnsLabel.MatchString(a.Namespace) {
		add("namespace: must be a namespace name, got %q", a.Namespace)
	}
	if !dnsLabel.MatchString(a.Team) {
		add("team: must name the owning team (a DNS label), got %q", a.Team)
	}
	if a.ClusterName == nil {
		add("clusterName: is required for the Pod Identity association")
	}
	if a.Repository != nil {
		if a.Repository.KmsKeyArn == nil {
			add("repository.kmsKeyArn: is required: images are encrypted with the data key")
		}
		if len(a.Repository.PushRoleArns) == 0 {
			add("repository.pushRoleArns: name the CI role that pushes images (nobody else may)")
		}
	}
	seen := map[string]bool{}
	for i, s := range a.Secrets {
		if seen[s.Name] {
			add("secrets[%d].name: %q is declared twice", i, s.Name)
		}
		seen[s.Name] = true
	}
	if len(a.Secrets) > 0 {
		if a.SecretStore == "" {
			add("secretStore: the ExternalSecret needs the ClusterSecretStore's name")
		}
		if a.SecretsKeyArn != nil && len(a.SecretReaderArns) == 0 {
			add("secretReaderArns: name the External Secrets operator's role: only it may read the values")
		}
		if a.SecretsKeyArn != nil && a.ReplicaRegion != "" && a.ReplicaSecretsKeyArn == nil {
			add("replicaSecretsKeyArn: the replicas in %s need that region's secrets key", a.ReplicaRegion)
		}
	}
	if a.Database != nil {
		if a.Database.ResourceID == nil {
			add("database.resourceId: is required (the instance's DbiResourceId)")
		}
		if !dbUser.MatchString(a.Database.User) {
			add("database.user: must be a PostgreSQL user name (lower-case letters, digits, '_'), got %q", a.Database.User)
		}
	}
	if a.Data != nil {
		if a.Data.BucketArn == nil || a.Data.KmsKeyArn == nil {
			add("data: bucketArn and kmsKeyArn are required")
		}
		if !strings.HasSuffix(a.Data.Prefix, "/") || strings.ContainsAny(a.Data.Prefix, "*?") || a.Data.Prefix == "/" {
			add("data.prefix: must be a folder such as %q without wildcards, got %q", a.Name+"/", a.Data.Prefix)
		}
	}
	if !hostPattern.MatchString(a.Host) {
		add("host: must be a DNS name such as api.example.com, got %q", a.Host)
	}
	if a.IngressClass == "" {
		add("ingressClass: is required: the class carries the WAF, the TLS policy and the access logs")
	}
	if !pathPattern.MatchString(a.HealthCheckPath) {
		add("healthCheckPath: must be a path such as /readyz, got %q", a.HealthCheckPath)
	}
	switch a.Failover {
	case "":
	case Primary:
		if a.HealthCheckID == nil {
			add("healthCheckId: a primary failover record needs the Route 53 health check")
		}
	case Secondary:
	default:
		add("failover: must be PRIMARY or SECONDARY, got %q", a.Failover)
	}
	return errors.Join(errs...)
}

// Service is one service's platform contract.
type Service struct {
	pulumi.ResourceState

	// RoleArn is the Pod Identity role of the service account.
	RoleArn pulumi.StringOutput
	// RepositoryURL is where CI pushes (empty in the dr stack).
	RepositoryURL pulumi.StringOutput
	// SecretArns by short name (primary stack).
	SecretArns map[string]pulumi.StringOutput
}

// SecretName is the Kubernetes Secret the ExternalSecret writes and the
// pods read.
func SecretName(service string) string { return service + "-secrets" }

// NewService creates the service's platform contract: AWS resources on the
// aws option's provider, Kubernetes objects on k8s's.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, aws, k8s pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		args = &ServiceArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	s := &Service{SecretArns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:service:Service", name, pulumi.Map{
		"service": pulumi.String(a.Name), "namespace": pulumi.String(a.Namespace), "team": pulumi.String(a.Team),
	}, s, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, s, aws, k8s); err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"roleArn": s.RoleArn, "repositoryUrl": s.RepositoryURL})
}

func build(ctx *pulumi.Context, name string, a ServiceArgs, s *Service, aws, k8s pulumi.ResourceOption) error {
	parent := pulumi.Parent(s)
	after := pulumi.DependsOn(a.DependsOn)
	s.RepositoryURL = pulumi.String("").ToStringOutput()
	if r := a.Repository; r != nil {
		repo, err := registry.NewRepository(ctx, name, &registry.RepositoryArgs{
			Namer: a.Namer, Service: a.Name, KmsKeyArn: r.KmsKeyArn, PushRoleArns: r.PushRoleArns,
			Lifecycle: r.Lifecycle, Protect: a.Protect, Tags: map[string]string{"service": a.Name, "team": a.Team},
		}, parent, aws)
		if err != nil {
			return err
		}
		s.RepositoryURL = repo.RepositoryURL
	}

	role, err := cluster.NewWorkloadRole(ctx, name, &cluster.WorkloadRoleArgs{
		Namer: a.Namer, Namespace: a.Namespace, ServiceAccount: a.Name,
		Policy: rolePolicy(a), PermissionBoundaryArn: a.PermissionBoundaryArn,
	}, parent, aws)
	if err != nil {
		return err
	}
	s.RoleArn = role.Arn
	if _, err := eks.NewPodIdentityAssociation(ctx, name, &eks.PodIdentityAssociationArgs{
		ClusterName: a.ClusterName, Namespace: pulumi.String(a.Namespace), ServiceAccount: pulumi.String(a.Name),
		RoleArn: role.Arn,
	}, parent, aws); err != nil {
		return err
	}

	labels := pulumi.StringMap{
		"app.kubernetes.io/name": pulumi.String(a.Name), "app.kubernetes.io/part-of": pulumi.String(a.Team),
		"app.kubernetes.io/managed-by": pulumi.String("pulumi"),
	}
	meta := func(objName string, annotations pulumi.StringMap) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(objName), Namespace: pulumi.String(a.Namespace), Labels: labels, Annotations: annotations}
	}
	if _, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: meta(a.Name, nil),
		// Pod Identity injects its own credentials; the pods need no
		// Kubernetes API token.
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, parent, k8s, after); err != nil {
		return err
	}

	if len(a.Secrets) > 0 {
		if err := buildSecrets(ctx, name, a, s, parent, aws, k8s, after); err != nil {
			return err
		}
	}
	return ingress(ctx, name, a, meta, parent, k8s, after)
}

// rolePolicy is the service's least-privilege policy: its prefix of the
// data bucket through S3 only, and IAM authentication as its own database
// user. A service with neither gets an explicit deny-all, so the role
// exists (the pods' identity) but grants nothing.
func rolePolicy(a ServiceArgs) pulumi.StringInput {
	var inputs []pulumi.StringInput
	if a.Data != nil {
		inputs = append(inputs, a.Data.BucketArn, a.Data.KmsKeyArn)
	}
	if a.Database != nil {
		inputs = append(inputs, a.Database.ResourceID)
	}
	build := func(v []string) policydoc.Document {
		return ServicePolicy(a, v)
	}
	if len(inputs) == 0 {
		return pulumi.String(build(nil).JSON())
	}
	return policydoc.FromOutputs(build, inputs...)
}

// ServicePolicy is the role's policy document, given the resolved data
// bucket ARN and key ARN (when Data is set) and the database resource id
// (when Database is set), in that order.
func ServicePolicy(a ServiceArgs, v []string) policydoc.Document {
	var statements []policydoc.Statement
	if a.Data != nil {
		bucket, key := v[0], v[1]
		v = v[2:]
		statements = append(statements,
			policydoc.Statement{Sid: "OwnPrefix", Effect: policydoc.Allow, Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: bucket + "/" + a.Data.Prefix + "*"},
			policydoc.Statement{Sid: "ListOwnPrefix", Effect: policydoc.Allow, Action: "s3:ListBucket", Resource: bucket,
				Condition: policydoc.Conditions{"StringLike": {"s3:prefix": a.Data.Prefix + "*"}}},
			policydoc.Statement{Sid: "DataKeyThroughS3", Effect: policydoc.Allow, Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: key,
				Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "s3." + a.Namer.Region + ".amazonaws.com"}}},
		)
	}
	if a.Database != nil {
		statements = append(statements, policydoc.Statement{
			Sid: "ConnectAsOwnUser", Effect: policydoc.Allow, Action: "rds-db:connect",
			Resource: a.Namer.ARN("rds-db", "dbuser:"+v[0]+"/"+a.Database.User),
		})
	}
	if len(statements) == 0 {
		statements = append(statements, policydoc.Statement{Sid: "NothingGranted", Effect: policydoc.Deny, Action: "*", Resource: "*"})
	}
	return policydoc.New(statements...)
}

// buildSecrets creates the secrets (primary stack) and the ExternalSecret
// that syncs every one of them into SecretName.
func buildSecrets(ctx *pulumi.Context, name string, a ServiceArgs, s *Service, parent, aws, k8s, after pulumi.ResourceOption) error {
	var deps []pulumi.Resource
	var extract []any
	for _, sec := range a.Secrets {
		short := a.Name + "/" + sec.Name
		full := fmt.Sprintf("%s/%s/%s", a.Namer.Project, naming.EnvironmentCode(a.Namer.Environment), short)
		if a.SecretsKeyArn != nil {
			var replicas []secrets.Replica
			if a.ReplicaRegion != "" {
				replicas = append(replicas, secrets.Replica{Region: a.ReplicaRegion, KmsKeyArn: a.ReplicaSecretsKeyArn})
			}
			created, err := secrets.NewSecret(ctx, name+"-"+sec.Name, &secrets.SecretArgs{
				Namer: a.Namer, Name: short, Description: sec.Description, KmsKeyArn: a.SecretsKeyArn,
				ReaderRoleArns: slices.Clone(a.SecretReaderArns), ReplicaReaderRoleArns: slices.Clone(a.ReplicaSecretReaderArns), RotationLambdaArn: sec.RotationLambdaArn,
				RotationRoleArn: sec.RotationRoleArn, RotationDays: sec.RotationDays, Replicas: replicas, Protect: a.Protect,
				Tags: map[string]string{"service": a.Name, "team": a.Team},
			}, parent, aws)
			if err != nil {
				return err
			}
			s.SecretArns[sec.Name] = created.Arn
			deps = append(deps, created)
		}
		// Each secret holds a JSON object; its keys become the Secret's.
		extract = append(extract, map[string]any{"extract": map[string]any{"key": full}})
	}
	opts := []pulumi.ResourceOption{parent, k8s, after}
	if len(deps) > 0 {
		opts = append(opts, pulumi.DependsOn(deps))
	}
	_, err := apiextensions.NewCustomResource(ctx, name+"-secrets", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(SecretName(a.Name)), Namespace: pulumi.String(a.Namespace),
			Labels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(a.Name)},
		},
		OtherFields: map[string]any{"spec": map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": a.SecretStore},
			// The Secret belongs to the ExternalSecret: deleting the
			// service removes it; a value removed upstream is kept.
			"target":   map[string]any{"name": SecretName(a.Name), "creationPolicy": "Owner", "deletionPolicy": "Retain"},
			"dataFrom": extract,
		}},
	}, opts...)
	return err
}

// ingress is the service's Ingress on the API load balancer's class: the
// class's parameters give the certificate, TLS policy, WAF and access
// logs, whatever an Ingress says; the annotations here only shape the
// target group and the DNS record.
func ingress(ctx *pulumi.Context, name string, a ServiceArgs, meta func(string, pulumi.StringMap) *metav1.ObjectMetaArgs, parent, k8s, after pulumi.ResourceOption) error {
	annotations := pulumi.StringMap{
		"alb.ingress.kubernetes.io/healthcheck-path":       pulumi.String(a.HealthCheckPath),
		"alb.ingress.kubernetes.io/success-codes":          pulumi.String("200"),
		"alb.ingress.kubernetes.io/target-type":            pulumi.String("ip"),
		"alb.ingress.kubernetes.io/listen-ports":           pulumi.String(`[{"HTTPS":443}]`),
		"external-dns.alpha.kubernetes.io/hostname":        pulumi.String(a.Host),
		"alb.ingress.kubernetes.io/actions." + blockAction: pulumi.String(`{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"404"}}`),
	}
	if a.Failover != "" {
		// Both stacks publish the same name; Route 53 answers with the
		// primary while its health check passes.
		annotations["external-dns.alpha.kubernetes.io/set-identifier"] = pulumi.String(a.SetIdentifier)
		annotations["external-dns.alpha.kubernetes.io/aws-failover"] = pulumi.String(string(a.Failover))
	}
	if a.Failover == Primary {
		annotations["external-dns.alpha.kubernetes.io/aws-health-check-id"] = a.HealthCheckID
	}
	_, err := networkingv1.NewIngress(ctx, name, &networkingv1.IngressArgs{
		Metadata: meta(a.Name, annotations),
		Spec: &networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String(a.IngressClass),
			Rules: networkingv1.IngressRuleArray{networkingv1.IngressRuleArgs{
				Host: pulumi.String(a.Host),
				Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{
					// The metrics Prometheus scrapes are served on the
					// API's port: the load balancer answers 404 for them.
					networkingv1.HTTPIngressPathArgs{
						Path: pulumi.String("/metrics"), PathType: pulumi.String("Prefix"),
						Backend: networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
							Name: pulumi.String(blockAction), Port: &networkingv1.ServiceBackendPortArgs{Name: pulumi.String("use-annotation")},
						}},
					},
					networkingv1.HTTPIngressPathArgs{
						Path: pulumi.String("/"), PathType: pulumi.String("Prefix"),
						Backend: networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
							Name: pulumi.String(a.Name), Port: &networkingv1.ServiceBackendPortArgs{Name: pulumi.String(PortName)},
						}},
					},
				}},
			}},
		},
	}, parent, k8s, after)
	return err
}
