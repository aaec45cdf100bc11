package category

import (
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/region"
)

func TestDefaultTreeIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	tree := DefaultTree()
	byCode := map[string]*Category{}
	leaves, groups := 0, []string{}
	for i := range tree {
		c := withDefaults(tree[i])
		if _, dup := byCode[c.Code]; dup {
			t.Fatalf("code %s twice", c.Code)
		}
		if err := c.validate(byCode[c.ParentCode]); err != nil {
			t.Fatalf("%s: %v", c.Code, err)
		}
		if c.ParentCode != "" && byCode[c.ParentCode] == nil {
			t.Fatalf("%s comes before its parent", c.Code)
		}
		if c.Leaf {
			leaves++
		} else {
			groups = append(groups, c.Code)
		}
		byCode[c.Code] = &c
	}
	if leaves < 40 || leaves > 60 {
		t.Fatalf("%d leaves, want 40-60", leaves)
	}
	if got := strings.Join(groups, " "); got != "dispute safety public_order city_appearance livelihood environment other" {
		t.Fatalf("groups = %s", got)
	}
	for _, want := range []string{"dispute.marriage_family", "dispute.neighbour", "dispute.economic", "dispute.land",
		"safety.gas", "safety.fire", "safety.building", "safety.flood", "city_appearance.exposed_garbage",
		"city_appearance.illegal_construction", "city_appearance.road_damage", "livelihood.water", "livelihood.heating",
		"livelihood.elderly_care"} {
		if c := byCode[want]; c == nil || !c.Leaf {
			t.Errorf("leaf %s missing", want)
		}
	}
	// The practice the limits follow.
	limit := func(code string, step Step, level region.Level) (float64, Unit) {
		return byCode[code].Limit(step, level)
	}
	checks := []struct {
		code   string
		step   Step
		level  region.Level
		amount float64
		unit   Unit
	}{
		{"city_appearance.exposed_garbage", Handle, region.Township, 4, Hours},
		{"city_appearance.exposed_garbage", Verify, region.Township, 0.5, Hours},
		{"city_appearance.illegal_construction", Handle, region.County, 20, Days},
		{"dispute.neighbour", Handle, region.Township, 10, Days},
		{"dispute.marriage_family", Handle, region.Township, 15, Days},
		{"dispute.marriage_family", Handle, region.Village, 5, Days},
		{"dispute.marriage_family", Handle, region.County, 30, Days},
		{"city_appearance.road_damage", Handle, region.Township, 3, Days},
		{"city_appearance.road_damage", Handle, region.City, 5, Days},
		{"safety.gas", Receive, region.City, 0.25, Hours},
	}
	for _, c := range checks {
		if a, u := limit(c.code, c.step, c.level); a != c.amount || u != c.unit {
			t.Errorf("%s %s at %s = %v %s, want %v %s", c.code, c.step, c.level, a, u, c.amount, c.unit)
		}
	}
	if byCode["safety.gas"].DefaultUrgency != Emergency {
		t.Error("a gas leak is an emergency")
	}
	// Each call builds fresh data.
	a, b := DefaultTree(), DefaultTree()
	a[1].Limits.Handle.Amount = 99
	a[1].Keywords[0] = "x"
	if b[1].Limits.Handle.Amount == 99 || b[1].Keywords[0] == "x" {
		t.Fatal("DefaultTree shares state between calls")
	}
}
