package network

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSubnets(t *testing.T) {
	got, err := PlanSubnets("10.10.0.0/16", []string{"us-east-1a", "us-east-1b", "us-east-1c"})
	require.NoError(t, err)
	want := map[string]string{
		"public/us-east-1a":  "10.10.192.0/23",
		"public/us-east-1b":  "10.10.194.0/23",
		"public/us-east-1c":  "10.10.196.0/23",
		"private/us-east-1a": "10.10.0.0/19",
		"private/us-east-1b": "10.10.32.0/19",
		"private/us-east-1c": "10.10.64.0/19",
		"data/us-east-1a":    "10.10.208.0/23",
		"data/us-east-1b":    "10.10.210.0/23",
		"data/us-east-1c":    "10.10.212.0/23",
	}
	require.Len(t, got, len(want))
	for _, s := range got {
		assert.Equal(t, want[string(s.Tier)+"/"+s.AZ], s.CIDR.String(), "%s %s", s.Tier, s.AZ)
	}
}

// TestAddingAnAZRenumbersNothing is the stability contract: every subnet
// that exists keeps its block when an AZ is added, in any list position.
func TestAddingAnAZRenumbersNothing(t *testing.T) {
	before, err := PlanSubnets("10.10.0.0/16", []string{"us-east-1a", "us-east-1c", "us-east-1d"})
	require.NoError(t, err)
	after, err := PlanSubnets("10.10.0.0/16", []string{"us-east-1b", "us-east-1a", "us-east-1c", "us-east-1d", "us-east-1f"})
	require.NoError(t, err)
	index := map[string]netip.Prefix{}
	for _, s := range after {
		index[string(s.Tier)+"/"+s.AZ] = s.CIDR
	}
	for _, s := range before {
		assert.Equal(t, s.CIDR, index[string(s.Tier)+"/"+s.AZ], "%s %s moved", s.Tier, s.AZ)
	}
}

// TestNoOverlap checks every tier and AZ slot against every other, for
// every VPC size the config allows, including the reserved block.
func TestNoOverlap(t *testing.T) {
	for _, vpc := range []string{"10.0.0.0/16", "172.16.0.0/18", "192.168.16.0/20"} {
		t.Run(vpc, func(t *testing.T) {
			block := netip.MustParsePrefix(vpc)
			var all []netip.Prefix
			for _, tier := range Tiers {
				for i := 0; i < layout[tier].max; i++ {
					c, err := SubnetCIDR(block, tier, i)
					require.NoError(t, err)
					require.True(t, block.Contains(c.Addr()), "%s inside %s", c, vpc)
					all = append(all, c)
				}
			}
			for i := range all {
				for j := i + 1; j < len(all); j++ {
					assert.False(t, all[i].Overlaps(all[j]), "%s overlaps %s", all[i], all[j])
				}
			}
		})
	}
}

// TestAddingATierRenumbersNothing: the tiers' slots are fixed and leave a
// reserved /19 free, so a fourth tier fits without moving the others.
func TestAddingATierRenumbersNothing(t *testing.T) {
	block := netip.MustParsePrefix("10.10.0.0/16")
	reserved := netip.MustParsePrefix("10.10.224.0/19")
	for _, tier := range Tiers {
		for i := 0; i < layout[tier].max; i++ {
			c, err := SubnetCIDR(block, tier, i)
			require.NoError(t, err)
			assert.False(t, c.Overlaps(reserved), "%s uses the reserved block", c)
		}
	}
}

func TestSubnetCIDRErrors(t *testing.T) {
	block := netip.MustParsePrefix("10.10.0.0/16")
	_, err := SubnetCIDR(block, Private, 6)
	assert.EqualError(t, err, "private tier has room for 6 availability zones, index 6 is out of range")
	_, err = SubnetCIDR(netip.MustParsePrefix("10.10.0.0/24"), Private, 0)
	assert.EqualError(t, err, "vpc block 10.10.0.0/24 must be an IPv4 /16 to /20")
	_, err = SubnetCIDR(block, "dmz", 0)
	assert.EqualError(t, err, `unknown tier "dmz"`)
	_, err = AZIndex("us-east-1")
	assert.Error(t, err)
}
