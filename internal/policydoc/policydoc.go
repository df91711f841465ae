// Package policydoc builds IAM, KMS and S3 policy documents as typed Go
// values, so that components never assemble JSON by hand and never need an
// invoke (aws:iam/getPolicyDocument) to plan.
package policydoc

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the current IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal, Action (or NotAction) and
// Resource take a string or a []string, as in the policy language.
type Statement struct {
	Sid         string     `json:"Sid,omitempty"`
	Effect      string     `json:"Effect"`
	Principal   any        `json:"Principal,omitempty"`
	Action      any        `json:"Action,omitempty"`
	NotAction   any        `json:"NotAction,omitempty"`
	Resource    any        `json:"Resource,omitempty"`
	NotResource any        `json:"NotResource,omitempty"`
	Condition   Conditions `json:"Condition,omitempty"`
}

// Conditions maps an operator (StringEquals) to its keys and values.
type Conditions map[string]map[string]any

// Allow and Deny are the two effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// AWS names AWS principals (account roots, roles).
func AWS(arns ...string) map[string]any { return map[string]any{"AWS": one(arns)} }

// Service names service principals (logs.us-east-1.amazonaws.com).
func Service(names ...string) map[string]any { return map[string]any{"Service": one(names)} }

// Anyone is the wildcard principal. Only Deny statements, or statements with
// conditions that pin the caller, may use it.
const Anyone = "*"

func one(v []string) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}

// New returns a document of the current version with the statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON renders the document. Marshalling plain values cannot fail.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FromOutputs renders a document whose content depends on resolved values
// (ARNs, names) of other resources. build receives them in order. Nothing
// is registered inside: it only formats.
func FromOutputs(build func(values []string) Document, inputs ...pulumi.StringInput) pulumi.StringOutput {
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in
	}
	return pulumi.All(args...).ApplyT(func(vals []any) string {
		strs := make([]string, len(vals))
		for i, v := range vals {
			strs[i], _ = v.(string)
		}
		return build(strs).JSON()
	}).(pulumi.StringOutput)
}

// ServiceTrust is the trust policy of a service role: only the AWS service
// may assume it, and only on behalf of this account (the confused-deputy
// guard).
func ServiceTrust(service, accountID string) Document {
	return New(Statement{
		Effect:    Allow,
		Principal: Service(service),
		Action:    "sts:AssumeRole",
		Condition: Conditions{"StringEquals": {"aws:SourceAccount": accountID}},
	})
}
