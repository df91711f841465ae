package cluster

import (
	"errors"
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StorageClassArgs configure the cluster's default storage class.
type StorageClassArgs struct {
	// KmsKeyArn encrypts every volume the class provisions.
	KmsKeyArn pulumi.StringInput
}

// DefaultStorageClass is the name of the cluster's default class.
const DefaultStorageClass = "gp3"

// StorageClass is the default gp3 class of the EBS CSI driver.
type StorageClass struct {
	pulumi.ResourceState

	Name pulumi.StringOutput
}

// NewStorageClass creates the default StorageClass: gp3, encrypted with
// the given key, bound when a pod is scheduled (so the volume is in the
// pod's AZ), expandable, and retained when its claim is deleted (a
// deleted claim must not delete data). Pass the cluster's Kubernetes
// provider in opts.
func NewStorageClass(ctx *pulumi.Context, name string, args *StorageClassArgs, opts ...pulumi.ResourceOption) (*StorageClass, error) {
	if args == nil || args.KmsKeyArn == nil {
		return nil, fmt.Errorf("storage class %s: %w", name, errors.New("kmsKeyArn: volumes are encrypted with a customer-managed key"))
	}
	sc := &StorageClass{}
	if err := ctx.RegisterComponentResourceV2("platform:cluster:StorageClass", name, nil, sc, opts...); err != nil {
		return nil, err
	}
	class, err := storagev1.NewStorageClass(ctx, name, &storagev1.StorageClassArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(DefaultStorageClass),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner: pulumi.String("ebs.csi.aws.com"),
		Parameters: pulumi.StringMap{
			"type": pulumi.String("gp3"), "encrypted": pulumi.String("true"), "kmsKeyId": args.KmsKeyArn,
		},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Retain"),
	}, pulumi.Parent(sc))
	if err != nil {
		return nil, fmt.Errorf("storage class %s: %w", name, err)
	}
	sc.Name = class.Metadata.Name().Elem()
	return sc, ctx.RegisterResourceOutputs(sc, pulumi.Map{"name": sc.Name})
}
