// Package secrets owns application secrets in AWS Secrets Manager: each
// encrypted with the secrets key, readable only by the roles named for it,
// rotated by a rotation function at most every 90 days, and replicated to
// the DR region where the DR stack needs it.
//
// The platform never writes a secret value: the secret is created empty
// and an operator sets its first value outside Pulumi (see the README), so
// no value ever reaches config or state.
package secrets

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Replica is a copy of the secret in another region.
type Replica struct {
	Region    string
	KmsKeyArn pulumi.StringInput
}

// SecretArgs configure one secret.
type SecretArgs struct {
	// Namer gives the path-like secret name and the account.
	Namer naming.Namer
	// Name is the secret's short name (payments/api-key).
	Name        string
	Description string
	// KmsKeyArn is the secrets key.
	KmsKeyArn pulumi.StringInput
	// ReaderRoleArns may read the value; everyone else is denied, except
	// the rotation function.
	ReaderRoleArns []string
	// ReplicaReaderRoleArns read a replica in another region through their
	// own identity policy (the dr stack's External Secrets operator). The
	// resource policy only spares them its deny: they are not its
	// principals, because the dr stack is deployed after this one and a
	// policy naming a role that does not exist yet is refused.
	ReplicaReaderRoleArns []string
	// RotationLambdaArn rotates the secret; RotationDays is its period;
	// RotationRoleArn is the function's execution role, which must read
	// and write the value.
	RotationLambdaArn string
	RotationRoleArn   string
	RotationDays      int
	// Replicas in other regions (the DR region).
	Replicas []Replica
	// Protect turns on pulumi.Protect.
	Protect bool
	// Tags are added to the provider's default tags (a service's secrets
	// carry its service and team, for cost allocation).
	Tags map[string]string
}

// Limits.
const (
	MaxRotationDays     = 90
	DefaultRotationDays = 30
	// recoveryWindowDays lets a deleted secret be restored for 30 days.
	recoveryWindowDays = 30
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9/_+=.@-]{0,100}$`)
	rolePattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
	fnPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:.+$`)
)

// Validate reports every problem with its field path.
func (a SecretArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !namePattern.MatchString(a.Name) {
		add("name: must be lower-case letters, digits and /_+=.@-, got %q", a.Name)
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required: secrets are encrypted with the secrets key")
	}
	if len(a.ReaderRoleArns) == 0 {
		add("readerRoleArns: name the roles that may read the secret")
	}
	for i, r := range a.ReaderRoleArns {
		if !rolePattern.MatchString(r) {
			add("readerRoleArns[%d]: must be an IAM role ARN, got %q", i, r)
		}
	}
	for i, r := range a.ReplicaReaderRoleArns {
		if !rolePattern.MatchString(r) {
			add("replicaReaderRoleArns[%d]: must be an IAM role ARN, got %q", i, r)
		}
	}
	if !fnPattern.MatchString(a.RotationLambdaArn) {
		add("rotationLambdaArn: must be the ARN of the rotation function, got %q", a.RotationLambdaArn)
	}
	if !rolePattern.MatchString(a.RotationRoleArn) {
		add("rotationRoleArn: must be the rotation function's IAM role ARN, got %q", a.RotationRoleArn)
	}
	if a.RotationDays < 1 || a.RotationDays > MaxRotationDays {
		add("rotationDays: must be 1 to %d, got %d", MaxRotationDays, a.RotationDays)
	}
	for i, r := range a.Replicas {
		if r.Region == "" || r.Region == a.Namer.Region || r.KmsKeyArn == nil {
			add("replicas[%d]: needs another region and a key of that region", i)
		}
	}
	return errors.Join(errs...)
}

// Secret is one application secret.
type Secret struct {
	pulumi.ResourceState

	Arn pulumi.StringOutput
}

// NewSecret creates the secret, its resource policy and its rotation.
func NewSecret(ctx *pulumi.Context, name string, args *SecretArgs, opts ...pulumi.ResourceOption) (*Secret, error) {
	if args == nil {
		args = &SecretArgs{}
	}
	a := *args
	if a.RotationDays == 0 {
		a.RotationDays = DefaultRotationDays
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("secrets %s: %w", name, err)
	}
	s := &Secret{}
	if err := ctx.RegisterComponentResourceV2("platform:secrets:Secret", name, pulumi.Map{"name": pulumi.String(a.Name)}, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	replicas := secretsmanager.SecretReplicaArray{}
	for _, r := range a.Replicas {
		replicas = append(replicas, secretsmanager.SecretReplicaArgs{Region: pulumi.String(r.Region), KmsKeyId: r.KmsKeyArn})
	}
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Name:                 pulumi.String(fmt.Sprintf("%s/%s/%s", a.Namer.Project, naming.EnvironmentCode(a.Namer.Environment), a.Name)),
		Description:          pulumi.String(a.Description),
		KmsKeyId:             a.KmsKeyArn,
		RecoveryWindowInDays: pulumi.Int(recoveryWindowDays),
		Replicas:             replicas,
		Tags:                 tagMap(a.Tags),
	}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, fmt.Errorf("secrets %s: %w", name, err)
	}
	allowed := append(append(append([]string{}, a.ReaderRoleArns...), a.ReplicaReaderRoleArns...), a.RotationRoleArn, a.Namer.ARN("iam", "root"))
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return policydoc.New(
			policydoc.Statement{
				Sid:       "ReadersOnly",
				Effect:    policydoc.Allow,
				Principal: policydoc.AWS(a.ReaderRoleArns...),
				Action:    []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
				Resource:  v[0],
			},
			policydoc.Statement{
				// Everyone but the readers, the rotation function and the
				// account root (break-glass) is denied the value, whatever
				// their IAM policies say.
				Sid:       "DenyEveryoneElse",
				Effect:    policydoc.Deny,
				Principal: policydoc.Anyone,
				Action:    "secretsmanager:GetSecretValue",
				Resource:  v[0],
				Condition: policydoc.Conditions{"StringNotEquals": {"aws:PrincipalArn": allowed}},
			},
		)
	}, secret.Arn)
	if _, err := secretsmanager.NewSecretPolicy(ctx, name, &secretsmanager.SecretPolicyArgs{
		SecretArn:         secret.Arn,
		Policy:            policy,
		BlockPublicPolicy: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, fmt.Errorf("secrets %s: %w", name, err)
	}
	if _, err := secretsmanager.NewSecretRotation(ctx, name, &secretsmanager.SecretRotationArgs{
		SecretId:          secret.ID().ToStringOutput(),
		RotationLambdaArn: pulumi.String(a.RotationLambdaArn),
		RotationRules:     secretsmanager.SecretRotationRotationRulesArgs{AutomaticallyAfterDays: pulumi.Int(a.RotationDays)},
	}, parent); err != nil {
		return nil, fmt.Errorf("secrets %s: %w", name, err)
	}
	s.Arn = secret.Arn
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"arn": s.Arn})
}

// tagMap is nil for no tags, so that a secret without its own tags plans
// exactly as before.
func tagMap(tags map[string]string) pulumi.StringMapInput {
	if len(tags) == 0 {
		return nil
	}
	return pulumi.ToStringMap(tags)
}
