package stacks

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/delivery"
	"platform/components/service"
	"platform/internal/naming"
)

// servicesArgs are what the services' platform contracts need from the
// other layers. The primary stack fills repository and secret keys; the
// dr stack leaves them nil (its repositories and secrets are replicas).
type servicesArgs struct {
	layer    *clusterLayer
	provider pulumi.ResourceOption
	boundary pulumi.StringInput
	// dataBucketArn and dataKey: the region's data bucket (dr: the
	// primary's replica) and its key.
	dataBucketArn, dataKey pulumi.StringInput
	// databaseResourceID: the region's instance (dr: the replica).
	databaseResourceID pulumi.StringInput
	// healthCheckID makes the primary's DNS record a failover primary.
	healthCheckID pulumi.StringInput
	// Primary stack only.
	repositoryKey, deployRole           pulumi.StringInput
	secretsKey, replicaSecretsKey       pulumi.StringInput
	replicaRegion                       string
	secretReaders, replicaSecretReaders []string
}

// externalSecretsRole is the External Secrets operator's role in a
// region: components/addons names it after the add-on.
func externalSecretsRole(n naming.Namer) string {
	return n.ARN("iam", "role/"+n.Name(naming.IAMRole, "addons-"+addons.ExternalSecrets))
}

// newServices creates every service's platform contract
// (components/service): what Argo CD's releases of the service run on.
func newServices(ctx *pulumi.Context, e *environment, in servicesArgs) error {
	var contracts []pulumi.Resource
	primary := in.repositoryKey != nil
	for _, svc := range e.cfg.Services {
		a := &service.ServiceArgs{
			Namer: e.namer, Name: svc.Name, Namespace: svc.Namespace, Team: svc.Team,
			ClusterName: in.layer.cluster.Name, PermissionBoundaryArn: in.boundary,
			SecretStore: addons.SecretStore, Host: svc.Host, IngressClass: addons.APIIngressClass,
			SetIdentifier: ctx.Stack(), Protect: e.cfg.ProtectStateful(),
			DependsOn: in.layer.ready,
		}
		for _, s := range svc.Secrets {
			a.Secrets = append(a.Secrets, service.Secret{
				Name: s.Name, Description: s.Description,
				RotationLambdaArn: s.RotationLambdaArn, RotationRoleArn: s.RotationRoleArn, RotationDays: s.RotationDays,
			})
		}
		if svc.DatabaseUser != "" {
			a.Database = &service.Database{ResourceID: in.databaseResourceID, User: svc.DatabaseUser}
		}
		if svc.DataBucket {
			a.Data = &service.Data{BucketArn: in.dataBucketArn, KmsKeyArn: in.dataKey}
		}
		if e.cfg.Edge.Domain != "" {
			a.Failover = service.Secondary
			if primary {
				a.Failover, a.HealthCheckID = service.Primary, in.healthCheckID
			}
		}
		if primary {
			a.Repository = &service.Repository{KmsKeyArn: in.repositoryKey, PushRoleArns: []pulumi.StringInput{in.deployRole}}
			a.SecretsKeyArn, a.ReplicaRegion, a.ReplicaSecretsKeyArn = in.secretsKey, in.replicaRegion, in.replicaSecretsKey
			a.SecretReaderArns, a.ReplicaSecretReaderArns = in.secretReaders, in.replicaSecretReaders
		}
		c, err := service.NewService(ctx, "service-"+svc.Name, a, in.provider, in.layer.k8s)
		if err != nil {
			return err
		}
		contracts = append(contracts, c)
	}
	// Argo CD releases a service once its contract (ServiceAccount,
	// ExternalSecret, Ingress) is there.
	return newDelivery(ctx, e, in.layer, contracts)
}

// newDelivery installs the GitOps layer (components/delivery): Argo CD,
// Argo Rollouts and KEDA, one AppProject per team of platform:services and
// one Application per service, releasing deploy/<service>/overlays/<stack>
// from identity.github's repository.
func newDelivery(ctx *pulumi.Context, e *environment, layer *clusterLayer, after []pulumi.Resource) error {
	cfg := e.cfg
	if len(cfg.Services) == 0 {
		return nil
	}
	d := cfg.Delivery
	charts := map[string]addons.Chart{}
	for name, ch := range d.Charts {
		charts[name] = addons.Chart{Repository: ch.Repository, Version: ch.Version}
	}
	var teams []delivery.Team
	index := map[string]int{}
	var services []delivery.Service
	for _, s := range cfg.Services {
		i, ok := index[s.Team]
		if !ok {
			i = len(teams)
			index[s.Team] = i
			teams = append(teams, delivery.Team{Name: s.Team})
		}
		if !slices.Contains(teams[i].Namespaces, s.Namespace) {
			teams[i].Namespaces = append(teams[i].Namespaces, s.Namespace)
		}
		services = append(services, delivery.Service{Name: s.Name, Team: s.Team, Namespace: s.Namespace})
	}
	oidcSecret := d.OIDC.ClientSecret
	if oidcSecret == "" {
		oidcSecret = defaultSecretName(e, "argocd-oidc")
	}
	repoSecret := d.RepositorySecret
	if repoSecret == "" {
		repoSecret = defaultSecretName(e, "argocd-repository")
	}
	_, err := delivery.NewDelivery(ctx, "delivery", &delivery.DeliveryArgs{
		Stack: ctx.Stack(), RepoURL: "https://github.com/" + d.Repository + ".git", Revision: d.Revision,
		RepoSecretName: repoSecret, Charts: charts,
		OIDC:        delivery.OIDC{Issuer: d.OIDC.Issuer, ClientID: d.OIDC.ClientID, ClientSecretName: oidcSecret},
		AdminGroups: d.AdminGroups, Teams: teams, Services: services,
		DependsOn: append(slices.Clone(layer.ready), after...),
	}, layer.k8s)
	return err
}
