// Package awsmodel is the platform's one model of what AWS returns: the
// physical id and the computed attributes (ARNs, endpoints, ACM validation
// records...) a resource gets when it is created, and the input properties
// on which the AWS provider replaces a resource instead of updating it.
//
// The offline mock engine (internal/plan) and the test-double provider of
// the real-engine tests (internal/double) both fabricate outputs here, so
// a program that works offline works under the real Pulumi engine too.
package awsmodel

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// ID is the physical id a resource gets. It is a stand-in, but a stable
// one: the same logical name always gets the same id, so references by
// value (a bucket policy naming its bucket) match in both engines.
func ID(name string) string { return name + "-id" }

// Outputs returns the attributes AWS computes for a resource of type typ
// created with id in region and account, in the shape the provider
// returns them. Only attributes the platform or its policies read are
// modelled; inputs pass through unchanged in both engines.
func Outputs(typ, id, region, account string, inputs map[string]any) map[string]any {
	str := func(key string) string {
		s, _ := inputs[key].(string)
		return s
	}
	out := map[string]any{}
	switch typ {
	case "aws:s3/bucketV2:BucketV2":
		bucket := str("bucket")
		out["arn"] = "arn:aws:s3:::" + bucket
		out["bucketRegionalDomainName"] = bucket + ".s3." + region + ".amazonaws.com"
	case "aws:kms/key:Key":
		out["arn"] = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, id)
		out["keyId"] = id
	case "aws:cloudwatch/logGroup:LogGroup":
		out["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, str("name"))
	case "aws:rds/instance:Instance":
		ident := str("identifier")
		out["arn"] = fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, account, ident)
		out["address"] = fmt.Sprintf("%s.mock.%s.rds.amazonaws.com", ident, region)
		// DbiResourceId (IAM database authentication grants name it):
		// "db-" and 26 upper-case letters and digits, fixed for the
		// instance's lifetime.
		sum := sha256.Sum256([]byte(region + "/" + account + "/" + ident))
		out["resourceId"] = "db-" + base32.StdEncoding.EncodeToString(sum[:])[:26]
		if str("replicateSourceDb") != "" {
			// A read replica reports what it inherits from its source: the
			// engine (the platform's sources are PostgreSQL) and, for a
			// cross-region replica under its own key, encryption. On
			// promotion the program sets both explicitly, and the provider
			// compares them with these values, not with the replica's
			// inputs: the promotion is an update, not a replacement.
			out["engine"] = "postgres"
			out["storageEncrypted"] = str("kmsKeyId") != "" || inputs["storageEncrypted"] == true
		}
	case "aws:elasticache/replicationGroup:ReplicationGroup":
		ident := str("replicationGroupId")
		out["arn"] = fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", region, account, ident)
		out["primaryEndpointAddress"] = fmt.Sprintf("master.%s.mock.cache.amazonaws.com", ident)
	case "aws:iam/role:Role":
		out["arn"] = fmt.Sprintf("arn:aws:iam::%s:role/%s", account, str("name"))
	case "aws:route53/zone:Zone":
		out["arn"] = "arn:aws:route53:::hostedzone/" + zoneID(id)
		out["zoneId"] = zoneID(id)
	case "aws:route53/record:Record":
		out["arn"] = fmt.Sprintf("arn:aws:route53:::recordset/%s", id)
		out["fqdn"] = strings.TrimSuffix(str("name"), ".")
	case "aws:iam/policy:Policy":
		out["arn"] = fmt.Sprintf("arn:aws:iam::%s:policy/%s", account, str("name"))
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		out["arn"] = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", account, strings.TrimPrefix(str("url"), "https://"))
	case "aws:eks/cluster:Cluster":
		name := str("name")
		out["arn"] = fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, account, name)
		out["endpoint"] = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(token(name)), region)
		// A stand-in CA certificate (base64 of a PEM header): the data is
		// only passed on to the Kubernetes provider.
		out["certificateAuthority"] = map[string]any{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}
		out["identities"] = []any{map[string]any{"oidcs": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, strings.ToUpper(token(name+"oidc"))),
		}}}}
		// EKS creates the cluster security group; it is reported inside
		// vpcConfig, next to the inputs (Apply merges objects).
		out["vpcConfig"] = map[string]any{"clusterSecurityGroupId": "sg-" + token(name+"cluster")}
	case "aws:opensearch/domain:Domain":
		name := str("domainName")
		out["arn"] = fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", region, account, name)
		out["domainId"] = account + "/" + name
		// A VPC domain's endpoint: vpc-<name>-<id>.<region>.es.amazonaws.com.
		out["endpoint"] = fmt.Sprintf("vpc-%s-%s.%s.es.amazonaws.com", name, token(name), region)
	case "aws:sns/topic:Topic":
		out["arn"] = fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, str("name"))
	case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
		out["arn"] = fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", region, account, str("name"))
	case "aws:ec2/launchTemplate:LaunchTemplate":
		out["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:launch-template/%s", region, account, id)
		out["latestVersion"] = 1
	case "aws:acm/certificate:Certificate":
		out["arn"] = fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", region, account, id)
		// ACM asks for one CNAME per name on the certificate.
		var options []any
		for _, domain := range append([]string{str("domainName")}, stringList(inputs["subjectAlternativeNames"])...) {
			if domain == "" {
				continue
			}
			options = append(options, map[string]any{
				"domainName":          domain,
				"resourceRecordName":  "_" + token(domain) + "." + domain + ".",
				"resourceRecordType":  "CNAME",
				"resourceRecordValue": "_" + token(domain+"value") + ".acm-validations.aws.",
			})
		}
		out["domainValidationOptions"] = options
	default:
		out["arn"] = fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", module(typ), region, account, strings.ToLower(typeName(typ)), id)
	}
	return out
}

// Apply adds fabricated outputs to a resource's state: attributes the
// inputs do not set, and the missing keys of objects they do set (EKS
// reports the cluster security group inside vpcConfig). With unknown,
// every added value is unknown instead, as in a preview.
func Apply(state resource.PropertyMap, outputs map[string]any, unknown bool) {
	for k, v := range outputs {
		key := resource.PropertyKey(k)
		current, set := state[key]
		nested, isObject := v.(map[string]any)
		switch {
		case !set:
			state[key] = value(v, unknown)
		case isObject && current.IsObject():
			obj := current.ObjectValue().Copy()
			Apply(obj, nested, unknown)
			state[key] = resource.NewObjectProperty(obj)
		}
	}
}

func value(v any, unknown bool) resource.PropertyValue {
	if unknown {
		return resource.MakeComputed(resource.NewStringProperty(""))
	}
	return resource.NewPropertyValue(v)
}

// Computed lists the attributes Outputs fabricates for typ: the values a
// real preview shows as unknown until the resource exists.
func Computed(typ string) []string {
	keys := make([]string, 0, 4)
	for k := range Outputs(typ, "x", "r", "a", map[string]any{}) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ReplaceOn returns the input properties of typ whose change makes the AWS
// provider replace the resource, sorted.
func ReplaceOn(typ string) []string { return slices.Clone(replaceOn[typ]) }

// Replaces reports whether changing top-level property prop of a typ
// replaces it, whatever part of it changes.
func Replaces(typ, prop string) bool { return slices.Contains(replaceOn[typ], prop) }

// ReplacesChange reports whether a change of top-level property prop from
// old to new replaces a typ: prop replaces as a whole, or one of its
// replacing sub-properties (listed as dotted paths) differs. Values are
// plain (maps, lists, scalars); unknown is a change.
func ReplacesChange(typ, prop string, old, new any, newUnknown bool) bool {
	if Replaces(typ, prop) {
		return true
	}
	for _, path := range replaceOn[typ] {
		rest, ok := strings.CutPrefix(path, prop+".")
		if !ok {
			continue
		}
		if newUnknown {
			return true
		}
		keys := strings.Split(rest, ".")
		if !reflect.DeepEqual(at(old, keys), at(new, keys)) {
			return true
		}
	}
	return false
}

// at follows object keys into a plain value; a list of one object (how
// the provider models a nested block) is followed into its element.
func at(v any, keys []string) any {
	for _, k := range keys {
		if list, ok := v.([]any); ok && len(list) == 1 {
			v = list[0]
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func zoneID(id string) string { return "Z" + strings.ToUpper(strings.ReplaceAll(id, "-", "")) }

// token is a short, stable hex token derived from s (ACM's record names
// are random; a stable token keeps both engines' outputs identical).
func token(s string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return fmt.Sprintf("%08x", h)
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// module returns the module of a type token: "s3" for aws:s3/bucketV2:BucketV2.
func module(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) < 2 {
		return ""
	}
	return strings.SplitN(parts[1], "/", 2)[0]
}

func typeName(typ string) string {
	parts := strings.Split(typ, ":")
	return parts[len(parts)-1]
}
