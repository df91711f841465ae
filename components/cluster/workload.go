package cluster

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// WorkloadRoleArgs configure a role for one Kubernetes service account.
type WorkloadRoleArgs struct {
	Namer naming.Namer
	// Namespace and ServiceAccount are the only identity that may use it.
	Namespace, ServiceAccount string
	// PolicyArns are the managed policies it gets.
	PolicyArns []string
	// Policy is an inline least-privilege policy (JSON), for workloads no
	// AWS managed policy fits narrowly enough.
	Policy pulumi.StringInput
	// PermissionBoundaryArn bounds what any policy can grant.
	PermissionBoundaryArn pulumi.StringInput
	// OIDC, when set, makes an IRSA role (trusted through the cluster's
	// OIDC provider) instead of a Pod Identity role: only for workloads
	// Pod Identity does not serve.
	OIDC *OIDC
}

// OIDC is the cluster's OIDC provider, for IRSA.
type OIDC struct {
	ProviderArn pulumi.StringInput
	// Issuer is the issuer host and path, without https://.
	Issuer pulumi.StringInput
}

// Validate reports every problem with its field path.
func (a WorkloadRoleArgs) Validate() error {
	var errs []error
	if a.Namespace == "" || a.ServiceAccount == "" {
		errs = append(errs, errors.New("namespace, serviceAccount: a workload role is bound to exactly one service account"))
	}
	if len(a.PolicyArns) == 0 && a.Policy == nil {
		errs = append(errs, errors.New("policyArns, policy: at least one policy"))
	}
	return errors.Join(errs...)
}

// WorkloadRole is an IAM role that EKS Pod Identity hands to one service
// account: trusted by pods.eks.amazonaws.com only, for this account.
type WorkloadRole struct {
	pulumi.ResourceState

	Arn            pulumi.StringOutput
	Namespace      string
	ServiceAccount string
}

// NewWorkloadRole creates the role. The association with the service
// account is made by whoever installs the workload: an EKS add-on's
// podIdentityAssociations, or an eks.PodIdentityAssociation.
func NewWorkloadRole(ctx *pulumi.Context, name string, args *WorkloadRoleArgs, opts ...pulumi.ResourceOption) (*WorkloadRole, error) {
	if args == nil {
		args = &WorkloadRoleArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("workload role %s: %w", name, err)
	}
	a := *args
	w := &WorkloadRole{Namespace: a.Namespace, ServiceAccount: a.ServiceAccount}
	if err := ctx.RegisterComponentResourceV2("platform:cluster:WorkloadRole", name, pulumi.Map{
		"namespace": pulumi.String(a.Namespace), "serviceAccount": pulumi.String(a.ServiceAccount),
	}, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	trust := policydoc.New(policydoc.Statement{
		Effect:    policydoc.Allow,
		Principal: policydoc.Service("pods.eks.amazonaws.com"),
		Action:    []string{"sts:AssumeRole", "sts:TagSession"},
		Condition: policydoc.Conditions{"StringEquals": {
			"aws:SourceAccount": a.Namer.AccountID,
			// Pod Identity tags the session with the pod's identity.
			"aws:RequestTag/kubernetes-namespace":       a.Namespace,
			"aws:RequestTag/kubernetes-service-account": a.ServiceAccount,
		}},
	})
	assume := pulumi.String(trust.JSON()).ToStringOutput()
	if a.OIDC != nil {
		// IRSA: exactly this service account, for STS only.
		assume = policydoc.FromOutputs(func(v []string) policydoc.Document {
			return policydoc.New(policydoc.Statement{
				Effect:    policydoc.Allow,
				Principal: map[string]any{"Federated": v[0]},
				Action:    "sts:AssumeRoleWithWebIdentity",
				Condition: policydoc.Conditions{"StringEquals": {
					v[1] + ":sub": "system:serviceaccount:" + a.Namespace + ":" + a.ServiceAccount,
					v[1] + ":aud": "sts.amazonaws.com",
				}},
			})
		}, a.OIDC.ProviderArn, a.OIDC.Issuer)
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:                pulumi.String(a.Namer.Name(naming.IAMRole, name)),
		AssumeRolePolicy:    assume,
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("workload role %s: %w", name, err)
	}
	for _, p := range a.PolicyArns {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-"+shortPolicy(p), &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String(p),
		}, parent); err != nil {
			return nil, fmt.Errorf("workload role %s: %w", name, err)
		}
	}
	if a.Policy != nil {
		if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: a.Policy}, parent); err != nil {
			return nil, fmt.Errorf("workload role %s: %w", name, err)
		}
	}
	w.Arn = role.Arn
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{"arn": w.Arn})
}
