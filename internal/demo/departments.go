package demo

import (
	"strings"

	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/region"
)

// A city connects its bureaus (市直部门) to the platform, each county its
// counterparts, and each township its offices; the lists are in order of
// importance, and a city takes a prefix of each according to its size.
type bureau struct {
	key, name string
	// district, when set, is the name of a county-level counterpart in a
	// district (区), where it differs from that in a county (县).
	district string
}

var cityBureaus = []bureau{
	{key: "police", name: "公安局"},
	{key: "urban", name: "城市管理综合执法局"},
	{key: "housing", name: "住房和城乡建设局"},
	{key: "environment", name: "生态环境局"},
	{key: "water", name: "水务局"},
	{key: "civil", name: "民政局"},
	{key: "health", name: "卫生健康委员会"},
	{key: "emergency", name: "应急管理局"},
	{key: "market", name: "市场监督管理局"},
	{key: "transport", name: "交通运输局"},
	{key: "land", name: "自然资源和规划局"},
	{key: "justice", name: "司法局"},
	{key: "petition", name: "信访局"},
	{key: "fire", name: "消防救援支队"},
	{key: "heating", name: "供热公司"},
	{key: "water_supply", name: "供水公司"},
	{key: "gas", name: "燃气公司"},
	{key: "power", name: "供电公司"},
	{key: "education", name: "教育局"},
	{key: "hrss", name: "人力资源和社会保障局"},
	{key: "agriculture", name: "农业农村局"},
	{key: "commerce", name: "商务局"},
	{key: "culture", name: "文化广电和旅游局"},
	{key: "veterans", name: "退役军人事务局"},
	{key: "medical_security", name: "医疗保障局"},
	{key: "women", name: "妇女联合会"},
}

// countyBureaus are county counterparts of city bureaus with the same key,
// which they report to. A district's police is a branch (分局) of the city's.
var countyBureaus = []bureau{
	{key: "police", name: "公安局", district: "公安分局"},
	{key: "justice", name: "司法局"},
	{key: "urban", name: "城市管理综合执法局"},
	{key: "housing", name: "住房和城乡建设局"},
	{key: "environment", name: "生态环境分局"},
	{key: "civil", name: "民政局"},
	{key: "market", name: "市场监督管理局"},
	{key: "emergency", name: "应急管理局"},
	{key: "health", name: "卫生健康局"},
}

// townshipOffices report to the county bureau named by parent.
var townshipOffices = []struct{ key, name, parent string }{
	{key: "enforcement", name: "综合行政执法队", parent: "urban"},
	{key: "police", name: "派出所", parent: "police"},
	{key: "justice", name: "司法所", parent: "justice"},
}

// departmentPlan is how many of each list a city connects: a large city all
// of them (Daqing's 9 counties and 100 townships give 26 + 9×9 + 100×3 =
// 407 departments), a small one its core bureaus, a few dozen in all.
func departmentPlan(p Preset) (city, county, township int) {
	if p.Townships < 50 {
		return 18, 4, 1
	}
	return len(cityBureaus), len(countyBureaus), len(townshipOffices)
}

// deptCode is a department's code: its region's code and the bureau's key,
// e.g. 990102-police, 990102001-police.
func deptCode(regionCode, key string) string { return regionCode + "-" + key }

// Departments returns the demo city's departments, parents before children:
// the city bureaus, each county's counterparts, each township's offices. It
// depends only on the regions of c and on p.
func Departments(c City, p Preset) []department.Department {
	nc, nk, nt := departmentPlan(p)
	var city region.Region
	for _, r := range c.Regions {
		if r.Level == region.City {
			city = r
			break
		}
	}
	if city.Code == "" {
		return nil
	}
	var out []department.Department
	for _, b := range cityBureaus[:nc] {
		out = append(out, department.Department{Code: deptCode(city.Code, b.key), Name: city.Name + b.name,
			Level: region.City, RegionCode: city.Code, RegionPath: city.Path})
	}
	counties := map[string]region.Region{}
	for _, r := range c.Regions {
		if r.Level != region.County || r.ParentCode != city.Code {
			continue
		}
		counties[r.Code] = r
		for _, b := range countyBureaus[:nk] {
			name := b.name
			if b.district != "" && strings.HasSuffix(r.Name, "区") {
				name = b.district
			}
			out = append(out, department.Department{Code: deptCode(r.Code, b.key), Name: r.Name + name, Level: region.County,
				RegionCode: r.Code, RegionPath: r.Path, ParentCode: deptCode(city.Code, b.key)})
		}
	}
	for _, r := range c.Regions {
		if _, ok := counties[r.ParentCode]; !ok || r.Level != region.Township {
			continue
		}
		for _, o := range townshipOffices[:nt] {
			name := stem(r.Name) + o.name
			if o.key == "enforcement" {
				name = r.Name + o.name // 红旗街道综合行政执法队
			}
			out = append(out, department.Department{Code: deptCode(r.Code, o.key), Name: name, Level: region.Township,
				RegionCode: r.Code, RegionPath: r.Path, ParentCode: deptCode(r.ParentCode, o.parent)})
		}
	}
	return out
}

// ruleSpec routes a category to a department by key, with assisting ones.
type ruleSpec struct {
	category, lead string
	assisting      []string
}

// cityRules send every top-level category to a city bureau, and the leaves
// that a specialised bureau or a utility handles to it.
var cityRules = []ruleSpec{
	{"dispute", "justice", []string{"petition"}},
	{"safety", "emergency", []string{"fire"}},
	{"public_order", "police", nil},
	{"city_appearance", "urban", nil},
	{"livelihood", "civil", nil},
	{"environment", "environment", nil},
	{"other", "petition", nil},
	{"dispute.consumer", "market", nil},
	{"dispute.wages", "hrss", []string{"justice"}},
	{"dispute.medical", "health", []string{"justice"}},
	{"dispute.land", "land", []string{"justice"}},
	{"dispute.traffic", "police", []string{"justice"}},
	{"safety.gas", "gas", []string{"emergency"}},
	{"safety.fire", "fire", nil},
	{"safety.building", "housing", []string{"emergency"}},
	{"safety.flood", "water", []string{"emergency"}},
	{"safety.lift", "market", []string{"fire"}},
	{"safety.construction_site", "housing", nil},
	{"city_appearance.illegal_construction", "urban", []string{"land", "housing"}},
	{"city_appearance.road_damage", "transport", nil},
	{"livelihood.water", "water_supply", nil},
	{"livelihood.heating", "heating", nil},
	{"livelihood.power", "power", nil},
	{"livelihood.gas_supply", "gas", nil},
	{"livelihood.healthcare", "health", nil},
	{"livelihood.employment", "hrss", nil},
	{"livelihood.education", "education", nil},
}

// countyRules send the top-level categories to the county's counterparts;
// a county rule outranks every city rule in the county, so the leaves that
// city-wide utilities and the fire brigade handle are routed to them again
// at county level. Keys starting with "city:" name city departments.
var countyRules = []ruleSpec{
	{"dispute", "justice", nil},
	{"public_order", "police", nil},
	{"city_appearance", "urban", nil},
	{"environment", "environment", nil},
	{"livelihood", "civil", nil},
	{"safety", "emergency", nil},
	{"city_appearance.road_damage", "housing", nil},
	{"safety.gas", "city:gas", []string{"emergency"}},
	{"safety.fire", "city:fire", nil},
	{"livelihood.water", "city:water_supply", nil},
	{"livelihood.heating", "city:heating", nil},
	{"livelihood.power", "city:power", nil},
	{"livelihood.gas_supply", "city:gas", nil},
}

// townshipRules send what a township handles itself to its offices. Keys
// starting with "county:" name the county's departments.
var townshipRules = []ruleSpec{
	{"city_appearance", "enforcement", nil},
	{"city_appearance.road_damage", "county:housing", []string{"enforcement"}},
	{"dispute", "justice", []string{"police"}},
	{"public_order", "police", nil},
}

// RoutingRules returns the demo city's routing rules for Departments(c, p)
// and the default category tree: every top-level category to a city bureau,
// overridden by county and township rules. A rule whose departments the
// city's plan leaves out is left out too.
func RoutingRules(c City, p Preset) []department.Rule {
	have := map[string]bool{}
	for _, d := range Departments(c, p) {
		have[d.Code] = true
	}
	var out []department.Rule
	add := func(r region.Region, spec ruleSpec, resolve func(string) string) {
		rule := department.Rule{CategoryCode: spec.category, RegionCode: r.Code, RegionPath: r.Path,
			LeadDepartment: resolve(spec.lead), Assisting: []string{}}
		if !have[rule.LeadDepartment] {
			return
		}
		for _, a := range spec.assisting {
			if code := resolve(a); have[code] {
				rule.Assisting = append(rule.Assisting, code)
			}
		}
		out = append(out, rule)
	}
	var city region.Region
	for _, r := range c.Regions {
		if r.Level == region.City {
			city = r
			break
		}
	}
	if city.Code == "" {
		return nil
	}
	for _, spec := range cityRules {
		add(city, spec, func(key string) string { return deptCode(city.Code, key) })
	}
	for _, r := range c.Regions {
		switch r.Level {
		case region.County:
			for _, spec := range countyRules {
				add(r, spec, func(key string) string {
					if k, ok := strings.CutPrefix(key, "city:"); ok {
						return deptCode(city.Code, k)
					}
					return deptCode(r.Code, key)
				})
			}
		case region.Township:
			for _, spec := range townshipRules {
				add(r, spec, func(key string) string {
					if k, ok := strings.CutPrefix(key, "county:"); ok {
						return deptCode(r.ParentCode, k)
					}
					return deptCode(r.Code, key)
				})
			}
		}
	}
	return out
}
