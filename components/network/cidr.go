package network

import (
	"fmt"
	"net/netip"
)

// Tier is a subnet tier.
type Tier string

// The three tiers. Public holds load balancers and NAT gateways, private
// holds EKS nodes and workloads, data holds RDS and ElastiCache and has no
// route to the internet.
const (
	Public  Tier = "public"
	Private Tier = "private"
	Data    Tier = "data"
)

// Tiers in the order the component creates them.
var Tiers = []Tier{Public, Private, Data}

// layout places each tier in the VPC block. A subnet's slot depends only on
// its tier and its AZ letter (a=0, b=1, ...), never on how many AZs or
// tiers exist, so adding an AZ or a tier never renumbers an existing
// subnet. For a /16:
//
//	private  /19 at slots 0-5     10.x.0.0   - 10.x.191.255 (8,192 addresses per AZ, for pods)
//	public   /23 at slots 96-103  10.x.192.0 - 10.x.207.255
//	data     /23 at slots 104-111 10.x.208.0 - 10.x.223.255
//	reserved the /19 at slot 7    10.x.224.0 - 10.x.255.255, for future tiers
var layout = map[Tier]struct{ newBits, base, max int }{
	Private: {newBits: 3, base: 0, max: 6},
	Public:  {newBits: 7, base: 96, max: 8},
	Data:    {newBits: 7, base: 104, max: 8},
}

// AZIndex is the slot of an availability zone: its letter (us-east-1c is 2).
func AZIndex(az string) (int, error) {
	if az == "" {
		return 0, fmt.Errorf("empty availability zone")
	}
	letter := az[len(az)-1]
	if letter < 'a' || letter > 'z' {
		return 0, fmt.Errorf("availability zone %q does not end in a letter", az)
	}
	return int(letter - 'a'), nil
}

// SubnetCIDR returns the block of a tier's subnet in the AZ with the given
// index, inside an IPv4 VPC block of /16 to /20.
func SubnetCIDR(vpc netip.Prefix, tier Tier, azIndex int) (netip.Prefix, error) {
	l, ok := layout[tier]
	if !ok {
		return netip.Prefix{}, fmt.Errorf("unknown tier %q", tier)
	}
	if !vpc.Addr().Is4() || vpc.Bits() < 16 || vpc.Bits() > 20 {
		return netip.Prefix{}, fmt.Errorf("vpc block %s must be an IPv4 /16 to /20", vpc)
	}
	if azIndex < 0 || azIndex >= l.max {
		return netip.Prefix{}, fmt.Errorf("%s tier has room for %d availability zones, index %d is out of range", tier, l.max, azIndex)
	}
	bits := vpc.Bits() + l.newBits
	base := vpc.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(l.base+azIndex) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, bits), nil
}

// SubnetPlan is one planned subnet.
type SubnetPlan struct {
	Tier Tier
	AZ   string
	CIDR netip.Prefix
}

// PlanSubnets returns every subnet of every tier for the AZs, in tier then
// AZ order.
func PlanSubnets(vpcCidr string, azs []string) ([]SubnetPlan, error) {
	vpc, err := netip.ParsePrefix(vpcCidr)
	if err != nil {
		return nil, fmt.Errorf("vpc block: %w", err)
	}
	var out []SubnetPlan
	for _, tier := range Tiers {
		for _, az := range azs {
			idx, err := AZIndex(az)
			if err != nil {
				return nil, err
			}
			cidr, err := SubnetCIDR(vpc, tier, idx)
			if err != nil {
				return nil, err
			}
			out = append(out, SubnetPlan{Tier: tier, AZ: az, CIDR: cidr})
		}
	}
	return out, nil
}
