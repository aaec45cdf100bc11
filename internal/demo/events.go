package demo

import (
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workcal"
)

// A year of events for the demo city, as scripts for the real state
// machine: each script is one event's report and then every action on it,
// with its moment, so that replaying them through the event service (with
// the scripts' moments as its clock) fills the city with a year of history
// whose measures look like a real city's. The scripts say who acts by role
// (Party), not by person, and name departments not at all: dispatches leave
// the lead department to the routing rules, as a center usually does.
//
// How the year is drawn:
//   - When: p.Events reports are shared among the hours of the year by an
//     intensity that is the product of a month's volume (winter is quiet),
//     the day (fewer on weekends, fewest in the Spring Festival, workcal's
//     holidays), a little day-to-day noise, four storm days (two
//     rainstorms in summer, two snowstorms in winter, each doubling the
//     day's reports, nearly half of them about the storm), and each
//     channel's hour of day: grid workers report while they patrol in
//     working hours, residents in the morning and the evening, the hotline
//     through the day, sensors round the clock.
//   - Where: every grid draws reports in proportion to the kind of place it
//     is (street communities most, villages and units least, as the
//     registry's houses) with noise of its own; points are drawn strictly
//     inside the grid as the registry's houses are.
//   - What: a category from a table of shares (city appearance and the
//     environment most, then disputes, livelihood services, safety
//     hazards, public order; emergencies rare) fitted to the channel shares
//     so that each channel reports what it sees (the hotline hears about
//     heating, sensors about manhole covers and water levels), tilted by
//     the kind of place (land disputes and straw burning in villages, wage
//     arrears in industrial parks) and by the season (snow in winter,
//     floods in July). Titles and descriptions come from templates per
//     category with the grid's estate, road and village names.
//   - How it ends: the fates and timings documented at the constants
//     below, each step placed in working time against its category's limit
//     at the level holding the event, so that the measures of DESIGN.md
//     come out as a city's do.
//
// Every event draws from a random stream of its own, keyed by the seed and
// its number, so a change in one event's life does not shift the others.

// Party says in which capacity someone takes a scripted action; the
// replayer chooses the user.
type Party string

const (
	// ByHolder is the governance center holding the event at the moment:
	// the township's at first, the county's or the city's after an
	// escalation.
	ByHolder Party = "holder"
	// ByLead is the lead department of a dispatched event, as the routing
	// rules chose it.
	ByLead Party = "lead"
	// ByWorker is a grid worker of the event's grid.
	ByWorker Party = "worker"
	// ByReporter is the resident who reported the event in the resident
	// app (only events with source resident are rated by their reporter).
	ByReporter Party = "reporter"
)

// Capacity is the party of the state machine in which p acts.
func (p Party) Capacity() event.Party {
	switch p {
	case ByHolder:
		return event.Center
	case ByLead:
		return event.Dept
	case ByWorker:
		return event.Worker
	case ByReporter:
		return event.Reporter
	}
	return ""
}

// EventScript is one event's life: its report and then each action, in
// order, with the moment it happens.
type EventScript struct {
	// At is the report's moment.
	At time.Time
	// Report is the report: a WGS-84 point strictly inside the grid named
	// by GridCode (so either places the event in the same grid), an
	// address, plain-text title and description, and the caller's name and
	// phone for hotline reports. Urgency is left empty for the category's
	// default, so the events of emergency categories (gas, lifts) take the
	// fast path: the service registers and dispatches them on report, and
	// their scripts begin with the department's accept.
	Report event.ReportInput
	// Steps are the actions after the report, their moments strictly
	// increasing. Actions after the end of the year are left out, so events
	// reported late in December may still be open.
	Steps []ScriptStep
}

// ScriptStep is one action of a script.
type ScriptStep struct {
	At time.Time
	By Party
	// Input is the action with a note (every step has one, needed or not).
	// Version is left for the replayer; Department and Assisting are empty
	// (the routing rules decide); DuplicateOf is 0, see DuplicateOfIndex.
	Input event.ActInput
	// DuplicateOfIndex is, for a merge, the position in the sequence of the
	// script of the event this one repeats: an earlier event of the same
	// category, reported within 200 m and 72 hours before, and still open at
	// the merge. It is -1 for every other action.
	DuplicateOfIndex int
}

// EventScripts draws exactly p.Events scripts for the calendar year year of
// city c, in the order of their reports; the same c, p, o.Seed and year
// give the same scripts. Moments are on the clock of workcal.Default()
// (Asia/Shanghai), whose working time and holidays place them (a year
// outside its holiday data counts weekends only). The scripts are drawn as
// they are read, in memory that grows with the city, not with p.Events.
// A city without grids gets no events.
func EventScripts(c City, p Preset, o Options, year int) iter.Seq[EventScript] {
	return func(yield func(EventScript) bool) {
		if p.Events <= 0 {
			return
		}
		g := newEventGen(c, p, o, year)
		if len(g.grids) == 0 {
			return
		}
		g.run(yield)
	}
}

// --- the tables ---------------------------------------------------------------

// Channels, in the order of sourceShare.
const (
	srcWorker = iota
	srcResident
	srcHotline
	srcDepartment
	srcAPI
	srcSensor
	numSources
)

var sourceOf = [numSources]event.Source{event.FromWorker, event.FromResident, event.FromHotline, event.FromDepartment, event.FromAPI, event.FromSensor}

// sourceShare is the share of each channel: grid workers' patrols find most
// events (45%), residents report 35% through the app, the 12345 hotline
// forwards 15%, and departments' own inspections, other systems (API,
// Open311) and sensors (smart manhole covers, water gauges, smoke and gas
// alarms, video analytics) the rest. Their hours of day follow.
var sourceShare = [numSources]float64{0.45, 0.35, 0.15, 0.025, 0.015, 0.01}

// rhythm is a channel's relative rate by hour of day on working days [0]
// and days off [1]; only the shape matters, each is scaled so that the
// channel keeps its share over the year. Workers patrol in office hours
// (08:30–12:00, 13:30–17:30) and much less on days off; residents report
// in the morning and most in the evening; the hotline answers round the
// clock, busiest in the morning; sensors do not sleep.
var rhythm = [numSources][2][24]float64{
	srcWorker: {
		{0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.3, 1.6, 2.6, 2.6, 1.8, 0.5, 0.8, 2.2, 2.4, 2.0, 1.0, 0.3, 0.15, 0.1, 0.05, 0.05, 0.03},
		{0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.1, 0.5, 0.8, 0.8, 0.5, 0.15, 0.25, 0.6, 0.6, 0.5, 0.25, 0.1, 0.05, 0.03, 0.02, 0.02, 0.01},
	},
	srcResident: {
		{0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.45, 0.8, 1.3, 1.6, 1.6, 1.3, 1.0, 1.0, 1.3, 1.3, 1.3, 1.2, 1.2, 1.5, 1.6, 1.4, 1.0, 0.5},
		{0.2, 0.1, 0.06, 0.05, 0.06, 0.12, 0.3, 0.6, 1.1, 1.5, 1.6, 1.4, 1.1, 1.1, 1.3, 1.4, 1.4, 1.3, 1.3, 1.6, 1.7, 1.5, 1.1, 0.6},
	},
	srcHotline: {
		{0.15, 0.1, 0.08, 0.08, 0.1, 0.15, 0.3, 0.6, 1.5, 1.9, 1.9, 1.6, 1.0, 1.2, 1.6, 1.6, 1.5, 1.2, 1.0, 1.0, 0.9, 0.7, 0.5, 0.3},
		{0.12, 0.08, 0.06, 0.06, 0.08, 0.1, 0.2, 0.45, 1.0, 1.4, 1.4, 1.2, 0.8, 0.9, 1.2, 1.2, 1.1, 0.9, 0.8, 0.8, 0.7, 0.6, 0.4, 0.2},
	},
	srcDepartment: {
		{0, 0, 0, 0, 0, 0, 0.02, 0.2, 1.5, 2.5, 2.5, 1.6, 0.3, 0.6, 2.2, 2.3, 1.8, 0.6, 0.1, 0.05, 0.05, 0.02, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0.05, 0.2, 0.3, 0.3, 0.2, 0.05, 0.1, 0.25, 0.25, 0.2, 0.1, 0, 0, 0, 0, 0, 0},
	},
	srcAPI: {
		{0.15, 0.08, 0.05, 0.05, 0.08, 0.2, 0.45, 0.8, 1.3, 1.6, 1.6, 1.3, 1.0, 1.0, 1.3, 1.3, 1.3, 1.2, 1.2, 1.5, 1.6, 1.4, 1.0, 0.5},
		{0.2, 0.1, 0.06, 0.05, 0.06, 0.12, 0.3, 0.6, 1.1, 1.5, 1.6, 1.4, 1.1, 1.1, 1.3, 1.4, 1.4, 1.3, 1.3, 1.6, 1.7, 1.5, 1.1, 0.6},
	},
	srcSensor: {
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	},
}

// monthVolume is the relative number of reports by month in a northern
// city: the cold months are quiet (little happens outdoors and the Spring
// Festival falls in them), May to August busiest.
var monthVolume = [12]float64{0.78, 0.74, 0.92, 1.04, 1.12, 1.14, 1.14, 1.12, 1.08, 1.02, 0.96, 0.86}

// Day factors: the Spring Festival empties the city's streets and offices
// alike; other public holidays are quieter than ordinary weekends.
const (
	springFestivalDay = 0.55
	otherHolidayDay   = 0.85
	dayNoise          = 0.12 // σ of the log of a day's volume
)

// Storm days: two rainstorms between July and August and two snowstorms in
// winter a year, each doubling its day's reports (and a third more the day
// after), nearly half of them about the storm. A real flood brings ten
// times the usual; the demo keeps its bursts visible but modest.
const (
	stormDays       = 2
	stormVolume     = 2.0
	stormShare      = 0.45
	afterStormVol   = 1.3
	afterStormShare = 0.2
)

// Seasons: how a category's share moves by month (January first), for a
// city in China's north (Daqing and Zhangjiakou both are). Each is scaled to
// a mean of 1 when the tables are built.
var (
	seasonSnow    = [12]float64{3, 2.4, 1.2, 0.2, 0, 0, 0, 0, 0, 0.2, 1.6, 2.8}
	seasonHeating = [12]float64{1.6, 1.3, 0.9, 0.4, 0, 0, 0, 0, 0, 1.6, 2.6, 1.9} // the heating season runs October to April; complaints peak as it starts
	seasonRain    = [12]float64{0, 0, 0.1, 0.3, 0.7, 1.8, 3.8, 3.4, 1.2, 0.3, 0, 0}
	seasonBurning = [12]float64{0.1, 0.1, 1.5, 2.6, 1.2, 0.4, 0.3, 0.3, 1.2, 2.8, 1.4, 0.2} // straw after the harvest and before sowing
	seasonOutdoor = [12]float64{0.45, 0.45, 0.75, 1.05, 1.3, 1.4, 1.45, 1.4, 1.25, 1, 0.75, 0.5}
	seasonDust    = [12]float64{0.4, 0.5, 1.3, 2, 1.6, 1, 0.8, 0.8, 1, 1.2, 0.8, 0.5}
	seasonWages   = [12]float64{1.9, 1.4, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 0.9, 1.3, 2.2} // arrears surface before the Spring Festival
	seasonSchool  = [12]float64{0.4, 0.6, 0.9, 0.8, 1, 1.7, 1.9, 2.1, 1.3, 0.5, 0.4, 0.4}
	seasonPower   = [12]float64{1, 0.9, 0.8, 0.8, 0.9, 1.2, 1.5, 1.4, 1, 0.8, 0.8, 0.9}
	seasonFire    = [12]float64{1.4, 1.6, 1.2, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1, 1.3}
)

// spotKind says what sort of place an event of a category is usually at.
type spotKind uint8

const (
	spotRoad   spotKind = iota // a road, a crossing, a bus stop
	spotEstate                 // a building, a gate or the yard of an estate
	spotHome                   // a flat or a village house: disputes, care
	spotAny
)

// leafSpec is what the demo knows about a leaf of category.DefaultTree.
type leafSpec struct {
	code string
	// weight is the leaf's share of all events in per cent, in an average
	// month: city appearance 36, environment 11, disputes 16, livelihood
	// services 14, safety hazards 11 (of which emergencies 0.6), public
	// order 8, other 4.
	weight float64
	season *[12]float64 // nil: the same all year
	// self is how readily a grid worker settles an event of the leaf on
	// the spot (relative; calibrated so that ~40% of events are
	// self-handled): garbage and neighbours' quarrels yes, illegal
	// buildings and broken heating no.
	self float64
	// dup is how often several people report the same one (relative):
	// a power cut or a pile of garbage draws many reports, a family quarrel
	// one.
	dup    float64
	spot   spotKind
	issues []issue
}

// issue is one kind of problem of a leaf: a title and a description.
type issue struct{ title, body string }

// Placeholders of the templates: {p} the place, {n} and {m} small numbers,
// {t} the part of the day of the report, {x} a surname.
var eventLeaves = []leafSpec{
	// 市容环境
	{"city_appearance.exposed_garbage", 8, nil, 0.75, 1.2, spotAny, []issue{
		{"{p}生活垃圾堆积", "{p}堆放大量生活垃圾，面积约{n}平方米，已有{m}天无人清运，散发异味，影响周边环境和居民出行。"},
		{"{p}建筑垃圾混合堆放", "{t}发现{p}有建筑垃圾和生活垃圾混合堆放，约{n}平方米，请环卫部门尽快清运。"},
		{"{p}有人随意倾倒垃圾", "{p}绿化带旁有人随意倾倒垃圾，蚊蝇较多，周边居民反映强烈。"}}},
	{"city_appearance.overflowing_bins", 3, &seasonOutdoor, 0.55, 1, spotEstate, []issue{
		{"{p}垃圾箱满溢", "{p}的垃圾桶已满溢，周边散落垃圾，{t}仍未清运，请尽快处理。"},
		{"{p}垃圾桶周边垃圾散落", "{p}{n}个垃圾桶全部装满，垃圾外溢到路面，气味较大。"}}},
	{"city_appearance.illegal_construction", 2.5, &seasonOutdoor, 0.05, 0.6, spotHome, []issue{
		{"{p}私搭彩钢板房", "{p}有住户正在搭建彩钢板房，面积约{n}0平方米，未见规划许可公示，请核查。"},
		{"{p}私自扩建占用绿地", "{p}一楼住户私自扩建院墙并加盖房屋，占用公共绿地，影响通行。"},
		{"{p}顶楼加盖疑似违法建设", "{t}发现{p}顶楼有人加盖建筑，疑似违法建设，存在安全隐患。"}}},
	{"city_appearance.road_damage", 2.5, nil, 0.05, 1, spotRoad, []issue{
		{"{p}路面坑槽影响通行", "{p}路面出现坑槽，面积约{n}平方米，深约{m}厘米，车辆经过颠簸，雨天积水，存在安全隐患。"},
		{"{p}人行道地砖破损", "{p}人行道地砖松动破损{n}处，老人和儿童行走容易绊倒。"},
		{"{p}路面沉陷开裂", "{p}路面沉陷开裂，过往车辆较多，请尽快修补。"}}},
	{"city_appearance.manhole", 1.2, nil, 0.1, 1.2, spotRoad, []issue{
		{"{p}井盖缺失", "{p}有一处井盖缺失，井口敞开，夜间照明差，行人车辆极易跌落，请立即处置。"},
		{"{p}井盖破损", "{p}雨水井盖破裂，中间有裂缝，车辆碾压后下沉明显。"},
		{"{p}井盖与路面高差大", "{p}井盖与路面高差约{n}厘米，车辆经过颠簸，存在安全隐患。"}}},
	{"city_appearance.street_vending", 4.5, &seasonOutdoor, 0.8, 1, spotRoad, []issue{
		{"{p}流动摊贩占道经营", "{p}有{n}个流动摊贩在人行道摆摊卖菜卖水果，占用通行空间，早晚高峰行人只能走机动车道。"},
		{"{p}商户店外摆摊", "{p}商户将商品摆放在店外人行道上经营，影响行人通行。"},
		{"{p}夜市摊位占道", "{t}{p}夜市摊位占道经营，油烟和垃圾较多。"}}},
	{"city_appearance.illegal_ads", 3.5, nil, 0.85, 0.4, spotAny, []issue{
		{"{p}乱张贴小广告", "{p}楼道和外墙被张贴大量办证、开锁小广告，影响市容。"},
		{"{p}电线杆上小广告较多", "{p}电线杆和配电箱上贴满小广告，请及时清理。"},
		{"{p}墙面乱涂写", "{p}墙面有人喷涂电话号码等涂鸦，面积较大。"}}},
	{"city_appearance.parking", 4, nil, 0.8, 0.8, spotAny, []issue{
		{"{p}机动车占用人行道停放", "{p}长期有机动车停放在人行道上，行人只能绕行，存在安全隐患。"},
		{"{p}共享单车堆积", "{p}共享单车随意堆放，约{n}0辆，堵塞通道。"},
		{"{p}车辆占用消防通道", "{p}有车辆长期占用消防通道停放，多次劝离无效。"}}},
	{"city_appearance.street_lights", 2, nil, 0.1, 1.2, spotRoad, []issue{
		{"{p}多盏路灯不亮", "{p}有{n}盏路灯不亮已有一段时间，夜间道路漆黑，居民出行不便。"},
		{"{p}路灯损坏", "{p}路灯灯杆倾斜、灯罩破损，夜间不亮。"},
		{"{p}路灯白天常亮", "{p}路灯白天一直亮着，浪费电能，请检修。"}}},
	{"city_appearance.greenery", 1.3, &seasonOutdoor, 0.3, 0.6, spotAny, []issue{
		{"{p}绿地被毁种菜", "{p}公共绿地被个别居民开垦种菜，绿化带损毁约{n}0平方米。"},
		{"{p}树木倒伏", "{t}大风过后{p}有一棵大树倒伏，压在路边，影响通行。"},
		{"{p}绿化带被碾压踩踏", "{p}绿化带被车辆碾压踩踏，苗木损毁严重。"}}},
	{"city_appearance.debris", 1, &seasonOutdoor, 0.3, 1, spotRoad, []issue{
		{"{p}渣土车沿途撒漏", "{t}有渣土车经过{p}时沿途撒漏，路面泥土较多，扬尘严重。"},
		{"{p}路面遗撒砂石", "{p}路面遗撒大量砂石，长约{n}0米，车辆经过打滑。"}}},
	{"city_appearance.snow", 1.5, &seasonSnow, 0.6, 1.2, spotAny, []issue{
		{"{p}积雪未清", "雪停已{n}天，{p}积雪仍未清除，路面结冰，老人出行多次滑倒。"},
		{"{p}人行道结冰影响通行", "{p}人行道积雪被踩实成冰，行人通行困难，请组织清雪。"},
		{"{p}雪堆影响视线", "{p}清雪后雪堆堆放在路口，影响车辆视线。"}}},
	{"city_appearance.public_facilities", 1, nil, 0.15, 0.6, spotAny, []issue{
		{"{p}健身器材损坏", "{p}的健身器材有{n}件损坏，螺丝松动，存在安全隐患。"},
		{"{p}护栏损坏", "{p}道路护栏被撞倒{n}米，尚未修复。"},
		{"{p}公厕设施损坏", "{p}公共厕所水管损坏，无法冲水，卫生状况差。"}}},
	// 生态环境
	{"environment.catering_fumes", 2.5, &seasonOutdoor, 0.2, 0.8, spotEstate, []issue{
		{"{p}饭店油烟直排", "{p}一家饭店未安装油烟净化设施，油烟直排，楼上居民无法开窗。"},
		{"{p}露天烧烤油烟扰民", "{p}每天晚上有露天烧烤，油烟和噪音影响居民休息。"},
		{"{p}餐馆排烟管道对着居民楼", "{p}餐馆排烟管道直接对着居民楼，气味很大。"}}},
	{"environment.open_burning", 2, &seasonBurning, 0.7, 1.4, spotAny, []issue{
		{"{p}露天焚烧秸秆", "{t}{p}有人露天焚烧秸秆，浓烟较大，影响周边空气和交通。"},
		{"{p}有人焚烧垃圾", "{p}有人在空地焚烧生活垃圾和废旧物品，烟雾刺鼻。"},
		{"{p}有人焚烧落叶杂草", "{p}有人焚烧树叶杂草，靠近居民区，存在火灾隐患。"}}},
	{"environment.dust_emissions", 2, &seasonDust, 0.2, 1, spotAny, []issue{
		{"{p}施工扬尘严重", "{p}施工工地未采取洒水、覆盖等防尘措施，刮风时尘土飞扬。"},
		{"{p}裸土未覆盖", "{p}空地大面积裸土未覆盖，大风天扬尘严重。"},
		{"{p}有刺鼻异味", "{t}{p}附近闻到刺鼻的化工异味，怀疑有企业排放废气。"}}},
	{"environment.water_pollution", 1, &seasonOutdoor, 0.05, 1, spotAny, []issue{
		{"{p}河道水体发黑发臭", "{p}附近河道水体发黑发臭，水面有大量漂浮物。"},
		{"{p}有人偷排污水", "{p}有排污口向沟渠排放污水，颜色浑浊，气味刺鼻。"},
		{"{p}水面漂浮垃圾", "{p}水塘水面漂浮塑料袋等垃圾，影响环境。"}}},
	{"environment.industrial_noise", 2, &seasonOutdoor, 0.15, 1.2, spotAny, []issue{
		{"{p}夜间施工噪音扰民", "{p}工地晚上10点以后仍在施工，机械噪音很大，居民无法休息。"},
		{"{p}工厂噪音大", "{p}附近企业设备运行噪音大，白天夜间都有，影响周边居民。"},
		{"{p}工地凌晨施工扰民", "{p}工地凌晨{n}点就开始施工作业，噪音扰民。"}}},
	{"environment.solid_waste", 1.5, nil, 0.3, 0.8, spotAny, []issue{
		{"{p}非法倾倒建筑垃圾", "{t}有车辆在{p}倾倒建筑垃圾，约{n}车，堆积如山。"},
		{"{p}空地堆放工业废料", "{p}空地被倾倒大量工业废料，来源不明。"},
		{"{p}有人倾倒装修垃圾", "{p}有人倾倒装修垃圾，占用道路。"}}},
	// 矛盾纠纷
	{"dispute.marriage_family", 2.5, nil, 0.75, 0.1, spotHome, []issue{
		{"{p}赡养老人纠纷", "{p}住户{x}某与子女因老人赡养费用分担发生争执，老人生活困难，请求调解。"},
		{"{p}夫妻矛盾激化", "{p}居民{x}某夫妻因家庭琐事多次争吵，情绪激动，有激化苗头。"},
		{"{p}房屋继承纠纷需调解", "{p}{x}某兄弟因父母遗留房屋继承问题产生矛盾，请求社区调解。"}}},
	{"dispute.neighbour", 5, nil, 0.85, 0.2, spotHome, []issue{
		{"{p}楼上漏水引发邻里矛盾", "{p}楼上住户卫生间漏水，楼下{x}某家天花板受损，双方协商不成。"},
		{"{p}占用楼道引发纠纷", "{p}住户在楼道堆放杂物，与邻居多次发生口角。"},
		{"{p}宠物扰民引发邻里纠纷", "{p}{x}某家饲养的宠物狗夜间吠叫，与邻居发生纠纷。"}}},
	{"dispute.economic", 1.5, nil, 0.4, 0.05, spotHome, []issue{
		{"{p}借款纠纷", "{p}居民{x}某反映借给他人{n}万元逾期未还，多次催要无果，请求调解。"},
		{"{p}装修合同纠纷", "{p}{x}某与装修公司因装修质量和尾款发生纠纷。"},
		{"{p}合伙经营纠纷", "{p}{x}某与合伙人因经营收益分配发生争执。"}}},
	{"dispute.land", 1.5, nil, 0.45, 0.1, spotHome, []issue{
		{"{p}承包地地界纠纷", "{p}{x}某与邻户因承包地地界发生争执，双方各执一词，有冲突苗头。"},
		{"{p}宅基地边界纠纷", "{p}两户村民因宅基地边界和院墙位置发生纠纷。"},
		{"{p}土地流转费用纠纷", "{p}村民反映土地流转费用未按约定支付，请求协调。"}}},
	{"dispute.wages", 1.5, &seasonWages, 0.2, 0.5, spotAny, []issue{
		{"{p}农民工讨薪", "{p}工地{n}名农民工反映被拖欠工资约{m}个月，情绪激动，有聚集讨薪苗头。"},
		{"{p}企业拖欠工资", "{p}一家企业拖欠员工{n}个月工资，员工多次讨要无果。"},
		{"{p}劳资纠纷", "{p}{x}某反映在某商铺工作未签劳动合同，离职后工资未结清。"}}},
	{"dispute.property_management", 2, nil, 0.55, 0.4, spotEstate, []issue{
		{"{p}业主与物业因收费发生矛盾", "{p}业主因物业费上涨与物业公司发生争执，部分业主拒缴物业费。"},
		{"{p}公共收益纠纷", "{p}业主反映小区公共收益去向不明，与物业公司协商无果。"},
		{"{p}车位管理纠纷", "{p}业主与物业因车位管理发生纠纷，情绪激动。"}}},
	{"dispute.consumer", 1.2, nil, 0.35, 0.4, spotAny, []issue{
		{"{p}预付卡退费纠纷", "{p}一家健身房突然停业，{n}0余名会员的预付卡无法退费。"},
		{"{p}商品质量纠纷", "{x}某在{p}一家商店购买的商品有质量问题，商家拒绝退换。"},
		{"{p}培训机构退费纠纷", "{p}一家培训机构关门，学员家长要求退费。"}}},
	{"dispute.medical", 0.3, nil, 0.05, 0.05, spotAny, []issue{
		{"{p}医疗纠纷", "{x}某家属对{p}医疗机构的诊疗结果有异议，情绪激动，要求调解。"},
		{"{p}患者家属与医院发生争执", "患者家属在{p}聚集，要求医院赔偿，有医闹苗头。"}}},
	{"dispute.traffic", 0.5, nil, 0.2, 0.1, spotRoad, []issue{
		{"{p}剐蹭事故赔偿纠纷", "{t}{p}发生一起两车剐蹭事故，双方对赔偿金额有争议，请求调解。"},
		{"{p}交通事故赔偿纠纷", "{x}某在{p}骑电动车被撞受伤，与对方就赔偿问题协商不成。"}}},
	// 安全隐患
	{"safety.gas", 0.35, &seasonFire, 0, 0, spotHome, []issue{
		{"{p}闻到燃气异味", "{p}楼道内有明显燃气异味，疑似燃气泄漏，请立即处置。"},
		{"{p}燃气管道疑似泄漏", "{p}燃气管道有泄漏声音，周边有刺鼻气味。"},
		{"{p}违规使用液化气", "{p}一家饭店违规使用多个液化气罐，存在重大安全隐患。"}}},
	{"safety.fire", 3, &seasonFire, 0.55, 0.6, spotEstate, []issue{
		{"{p}消防通道被堵", "{p}消防通道被杂物和车辆堵塞，一旦发生火灾消防车无法进入。"},
		{"{p}灭火器过期", "{p}楼道内灭火器已过期，消火栓箱内没有水带。"},
		{"{p}私拉乱接电线", "{p}有商户私拉乱接电线，线路老化，存在火灾隐患。"}}},
	{"safety.ebike", 3.5, &seasonPower, 0.8, 0.6, spotEstate, []issue{
		{"{p}电动车飞线充电", "{p}有住户从窗户拉出电线给电动车充电，存在火灾隐患。"},
		{"{p}电动车楼道停放充电", "{p}楼道内停放{n}辆电动车并充电，堵塞安全出口。"},
		{"{p}电动车电瓶入户充电", "{p}有居民将电动车电瓶带回家中充电。"}}},
	{"safety.building", 0.8, nil, 0.05, 0.5, spotHome, []issue{
		{"{p}房屋墙体开裂", "{p}房屋墙体出现多条裂缝，最宽处约{n}毫米，住户担心安全。"},
		{"{p}外墙保温层脱落", "{p}外墙保温层脱落，下方是人行通道，存在高空坠物风险。"},
		{"{p}擅自拆改承重墙", "{p}一户装修时拆除承重墙，楼上楼下住户担心房屋安全。"}}},
	{"safety.flood", 1, &seasonRain, 0.2, 1.4, spotAny, []issue{
		{"{p}积水严重", "{t}降雨后{p}积水深约{n}0厘米，车辆行人无法通行。"},
		{"{p}排水井堵塞", "{p}排水井被杂物堵塞，下雨时路面积水排不出去。"},
		{"{p}地下室进水", "{p}地下室和车库进水，请求排水。"}}},
	{"safety.hazardous_chemicals", 0.3, nil, 0.05, 0.3, spotAny, []issue{
		{"{p}非法储存易燃物品", "{p}一处仓库存放大量油漆、稀料等易燃物品，没有任何安全措施。"},
		{"{p}危化品运输车辆无标识", "{p}有车辆运输危险化学品无标识，停放在居民区附近。"}}},
	{"safety.construction_site", 1.75, &seasonOutdoor, 0.15, 0.6, spotAny, []issue{
		{"{p}工地无围挡", "{p}施工现场没有设置围挡，建筑材料随意堆放，行人经过有危险。"},
		{"{p}脚手架搭设不规范", "{p}外墙脚手架搭设不规范，未挂安全网，存在高空坠物风险。"},
		{"{p}基坑无防护", "{p}深基坑周边无防护栏和警示标志，夜间无照明。"}}},
	{"safety.lift", 0.25, nil, 0, 0, spotEstate, []issue{
		{"{p}电梯困人", "{p}电梯发生故障，有{n}人被困，请立即救援。"},
		{"{p}电梯突然停运有人被困", "{p}电梯运行中突然停止，有人被困在轿厢内。"},
		{"{p}电梯运行异常", "{p}电梯频繁停梯、有异响，住户担心坠落。"}}},
	// 社会治安
	{"public_order.hazard", 2, nil, 0.5, 0.3, spotEstate, []issue{
		{"{p}门禁损坏", "{p}单元门禁损坏已{n}周，陌生人可随意进出。"},
		{"{p}监控设施损坏", "{p}监控摄像头损坏，多处存在监控盲区。"},
		{"{p}出租屋管理混乱", "{p}群租房人员流动频繁，租住人员信息未登记。"}}},
	{"public_order.suspicious", 0.6, nil, 0.1, 0.5, spotAny, []issue{
		{"{p}发现可疑人员", "{t}{p}有陌生人挨家挨户查看门锁，形迹可疑。"},
		{"{p}发现可疑物品", "{p}路边有一个无人认领的包裹，已放置{n}小时。"},
		{"{p}可疑车辆长期停放", "{p}有一辆无牌车辆停放多日，无人挪动。"}}},
	{"public_order.vice", 0.3, nil, 0, 0.1, spotAny, []issue{
		{"{p}疑似聚众赌博", "{p}某出租屋夜间人员进出频繁，疑似聚众赌博。"},
		{"{p}发现涉毒线索", "群众反映{p}有人员疑似吸毒，请公安机关核查。"}}},
	{"public_order.fraud", 0.8, nil, 0.3, 0.1, spotHome, []issue{
		{"{p}居民疑似遭遇电信诈骗", "{p}{x}某接到自称公检法人员的电话，要求转账到安全账户，疑似诈骗。"},
		{"{p}老人疑似被骗转账", "{p}老人{x}某准备去银行给网上认识的人转账{n}万元，家属请求劝阻。"},
		{"{p}发现刷单诈骗线索", "{p}有人以兼职刷单为名招揽居民，疑似诈骗。"}}},
	{"public_order.noise", 2.5, &seasonOutdoor, 0.6, 1.5, spotEstate, []issue{
		{"{p}广场舞噪音扰民", "{p}每天晚上有广场舞活动，音响声音很大，一直持续到晚上9点多，影响居民休息。"},
		{"{p}装修噪音扰民", "{p}住户装修在中午和晚上施工，电钻声很大。"},
		{"{p}商铺促销噪音大", "{p}商铺门口音箱大声播放促销广告，周边居民不堪其扰。"}}},
	{"public_order.gathering", 0.4, &seasonWages, 0.3, 0.5, spotAny, []issue{
		{"{p}业主聚集有堵路苗头", "{p}{n}0余名业主因房屋办证问题聚集，情绪激动，有堵路苗头。"},
		{"{p}群众计划集体上访", "{p}部分群众因拆迁补偿问题计划集体上访，需提前化解。"}}},
	{"public_order.key_persons", 0.6, nil, 0.4, 0.05, spotHome, []issue{
		{"{p}精神障碍患者病情不稳定", "{p}严重精神障碍患者{x}某近期未按时服药，情绪不稳定，家属看护困难。"},
		{"{p}重点人员情况异常", "{p}社区矫正对象{x}某近期行踪异常，联系不上。"}}},
	{"public_order.vagrancy", 0.8, &seasonSnow, 0.4, 0.6, spotRoad, []issue{
		{"{p}发现流浪乞讨人员", "{p}有一名流浪人员在此滞留{n}天，天气寒冷，需要救助。"},
		{"{p}发现走失老人需救助", "{p}发现一名走失老人，神志不清，说不清住址。"}}},
	// 民生服务
	{"livelihood.water", 1.5, nil, 0.05, 2, spotEstate, []issue{
		{"{p}停水", "{p}{t}开始停水，没有接到停水通知，居民生活受影响。"},
		{"{p}自来水浑浊", "{p}自来水发黄浑浊，有异味，居民不敢饮用。"},
		{"{p}水压低", "{p}高层住户水压低，{n}楼以上基本没水。"}}},
	{"livelihood.heating", 2.5, &seasonHeating, 0.05, 1.5, spotHome, []issue{
		{"{p}室温不达标", "{p}供暖后室内温度只有十三四度，家中有老人和孩子，请尽快解决。"},
		{"{p}整个单元暖气不热", "{p}整个单元暖气不热，多次联系供热公司未解决。"},
		{"{p}暖气管道漏水", "{p}暖气管道漏水，楼道内积水结冰。"}}},
	{"livelihood.power", 1, &seasonPower, 0.05, 2, spotEstate, []issue{
		{"{p}停电", "{p}{t}突然停电，至今没有恢复，冰箱里的食物都坏了。"},
		{"{p}电压不稳", "{p}电压不稳，灯光忽明忽暗，电器无法正常使用。"},
		{"{p}电线老化", "{p}线路老化，电线裸露，存在安全隐患。"}}},
	{"livelihood.gas_supply", 0.8, &seasonHeating, 0.05, 1, spotHome, []issue{
		{"{p}突然停气", "{p}燃气突然停气，没有收到通知。"},
		{"{p}燃气表故障", "{p}燃气表显示异常，缴费后仍无法使用。"},
		{"{p}燃气开户办理难", "{p}居民反映燃气开户手续办理困难。"}}},
	{"livelihood.elderly_care", 2, nil, 0.7, 0.05, spotHome, []issue{
		{"{p}高龄老人助餐需求", "{p}独居老人{x}某年过八旬，行动不便，需要上门助餐服务。"},
		{"{p}空巢老人就医需帮助", "{p}空巢老人{x}某生病，子女在外地，需要有人帮助就医。"},
		{"{p}申请居家养老服务", "{p}高龄老人{x}某申请居家养老服务。"}}},
	{"livelihood.social_assistance", 1.2, nil, 0.35, 0.05, spotHome, []issue{
		{"{p}申请临时救助", "{p}居民{x}某家庭生活困难，家人患重病，申请临时救助。"},
		{"{p}低保政策咨询", "{p}{x}某咨询低保申请条件和办理流程。"},
		{"{p}救助金未按时发放", "{p}特困老人{x}某反映救助金未按时发放。"}}},
	{"livelihood.disability", 0.5, nil, 0.4, 0.05, spotHome, []issue{
		{"{p}残疾人证办理", "{p}居民{x}某咨询残疾人证办理流程，行动不便，希望上门评定。"},
		{"{p}无障碍设施缺失", "{p}单元门口没有无障碍坡道，轮椅无法通行。"},
		{"{p}残疾人补贴问题", "{p}残疾人{x}某反映两项补贴未按时发放。"}}},
	{"livelihood.property_service", 2.5, nil, 0.45, 0.6, spotEstate, []issue{
		{"{p}楼道灯不亮", "{p}楼道灯坏了{n}个多月，物业一直不修，晚上上下楼很危险。"},
		{"{p}小区卫生差", "{p}小区内垃圾清理不及时，物业服务不到位。"},
		{"{p}单元门损坏", "{p}单元门锁损坏，物业迟迟不维修。"}}},
	{"livelihood.employment", 0.8, nil, 0.35, 0.05, spotHome, []issue{
		{"{p}社保缴费咨询", "{p}居民{x}某咨询灵活就业人员社保缴费办法。"},
		{"{p}失业登记", "{p}{x}某失业在家，申请办理失业登记和就业援助。"},
		{"{p}养老金待遇问题", "{p}退休人员{x}某反映养老金调整后数额有误。"}}},
	{"livelihood.education", 0.5, &seasonSchool, 0.15, 0.1, spotHome, []issue{
		{"{p}入学咨询", "{p}家长{x}某咨询孩子入学报名和学区划分政策。"},
		{"{p}学区划分问题", "{p}居民反映小区被划入较远学区，孩子上学不便。"},
		{"{p}校外培训机构违规收费", "{p}一家校外培训机构违规收费，家长要求查处。"}}},
	{"livelihood.healthcare", 0.7, nil, 0.3, 0.05, spotHome, []issue{
		{"{p}家庭医生签约", "{p}居民{x}某希望签约家庭医生，提供上门服务。"},
		{"{p}疫苗接种咨询", "{p}家长咨询儿童疫苗接种的时间和地点。"},
		{"{p}医保报销问题", "{p}{x}某反映医保异地报销手续办理困难。"}}},
	// 其他
	{"other.general", 4, nil, 0.5, 0.1, spotAny, []issue{
		{"{p}居民建议增设公交站点", "{p}居民建议增设公交站点，方便出行。"},
		{"{p}快递柜设置不合理", "{p}居民反映快递柜设置不合理，希望协调。"},
		{"{p}政策咨询", "{p}居民咨询相关政策，需协调相关单位答复。"}}},
}

// tilts multiply a leaf's weight, by leaf code, else by group, else by the
// entry "" (1 when absent).
type tilts map[string]float64

func (t tilts) of(code string) float64 {
	if v, ok := t[code]; ok {
		return v
	}
	if i := strings.IndexByte(code, '.'); i > 0 {
		if v, ok := t[code[:i]]; ok {
			return v
		}
	}
	if v, ok := t[""]; ok {
		return v
	}
	return 1
}

// sourceTilts say what each channel hears of most, before the shares are
// fitted: workers see the streets, hazards and people in trouble; residents
// complain about noise, fumes and their estate; the hotline takes the
// utilities and the consumer and wage complaints; departments' inspections
// find hazards and illegal building; sensors report only what they
// measure.
var sourceTilts = [numSources]tilts{
	srcWorker: {"city_appearance": 1.3, "safety": 1.4, "dispute": 1.2, "public_order.hazard": 1.3, "public_order.key_persons": 2.5,
		"public_order.vagrancy": 1.5, "public_order.gathering": 1.8, "livelihood.water": 0.3, "livelihood.heating": 0.2,
		"livelihood.power": 0.3, "livelihood.gas_supply": 0.3, "public_order.noise": 0.5, "public_order.fraud": 0.8,
		"safety.gas": 0.6, "safety.lift": 0.3, "livelihood.elderly_care": 1.5},
	srcResident: {"public_order.noise": 1.7, "city_appearance.parking": 1.3, "livelihood.property_service": 1.5,
		"dispute.property_management": 1.3, "environment.catering_fumes": 1.6, "environment.industrial_noise": 1.6,
		"environment.dust_emissions": 1.2, "public_order.key_persons": 0.2, "public_order.gathering": 0.3, "safety.lift": 1.5, "safety.gas": 1.4},
	srcHotline: {"livelihood": 2, "livelihood.heating": 3.5, "livelihood.water": 3, "livelihood.power": 3, "livelihood.gas_supply": 3,
		"livelihood.elderly_care": 0.8, "dispute.consumer": 2.5, "dispute.wages": 2.2, "public_order.noise": 1.4, "city_appearance": 0.6,
		"public_order.key_persons": 0.1, "safety.lift": 2, "safety.gas": 2, "public_order.fraud": 1.5},
	srcDepartment: {"safety": 2, "environment": 1.6, "city_appearance.illegal_construction": 2.5, "safety.hazardous_chemicals": 3,
		"dispute": 0.3, "livelihood": 0.4, "public_order.vice": 3},
	srcAPI: {"livelihood": 1.5, "city_appearance": 1.2, "public_order.key_persons": 0.1},
	srcSensor: {"": 0, "city_appearance.manhole": 30, "safety.flood": 25, "city_appearance.overflowing_bins": 15, "safety.fire": 6,
		"safety.gas": 40, "environment.dust_emissions": 12, "environment.water_pollution": 10, "city_appearance.street_lights": 8,
		"city_appearance.parking": 3, "city_appearance.street_vending": 3, "city_appearance.exposed_garbage": 2, "environment.open_burning": 6},
}

// Kinds of place, from the grid's class and an exclusive grid's subtype.
const (
	profUrban = iota
	profTown
	profRural
	profSchool
	profHospital
	profEnterprise
	profMarket
	numProfiles
)

// profileVolume is the relative number of events a grid of each kind sees:
// as the registry's houses, street communities most, villages far fewer
// (fewer people, fewer app users, less traffic), a unit's grid fewest.
var profileVolume = [numProfiles]float64{1.6, 1.0, 0.45, 0.4, 0.4, 0.4, 0.4}

// profileTilts say what happens where. Town grids take the square root of
// the village tilts: half-way between town and country.
var profileTilts = [numProfiles]tilts{
	profUrban: {"dispute.land": 0.05, "environment.open_burning": 0.15, "dispute.property_management": 1.3, "livelihood.property_service": 1.3,
		"city_appearance.parking": 1.3, "safety.lift": 1.5, "city_appearance.street_vending": 1.2, "safety.ebike": 1.2},
	profRural: {"dispute.land": 5, "environment.open_burning": 4, "dispute.marriage_family": 1.4, "livelihood.elderly_care": 1.3,
		"environment.solid_waste": 1.5, "environment.water_pollution": 1.4, "safety.flood": 1.3, "city_appearance.road_damage": 1.2,
		"dispute.neighbour": 1.1, "city_appearance.street_vending": 0.15, "city_appearance.parking": 0.15, "city_appearance.illegal_ads": 0.4,
		"safety.ebike": 0.3, "dispute.property_management": 0.03, "livelihood.property_service": 0.05, "safety.lift": 0.02,
		"livelihood.heating": 0.3, "environment.catering_fumes": 0.3, "city_appearance.manhole": 0.3, "city_appearance.overflowing_bins": 0.5,
		"public_order.noise": 0.4, "environment.industrial_noise": 0.5, "dispute.consumer": 0.4, "city_appearance.snow": 0.5,
		"city_appearance.debris": 0.6, "safety.construction_site": 0.5, "public_order.hazard": 0.6, "safety.gas": 0.6,
		"livelihood.gas_supply": 0.3, "city_appearance.street_lights": 0.7, "city_appearance.public_facilities": 0.7, "livelihood.education": 0.7},
	profSchool: {"": 0.5, "livelihood.education": 10, "safety.ebike": 2, "safety.fire": 2, "city_appearance.street_vending": 2,
		"public_order.hazard": 2, "city_appearance.parking": 1.5, "dispute.traffic": 2},
	profHospital: {"": 0.5, "dispute.medical": 30, "livelihood.healthcare": 5, "city_appearance.parking": 2.5, "safety.fire": 2,
		"public_order.vagrancy": 2, "public_order.suspicious": 1.5},
	profEnterprise: {"": 0.5, "dispute.wages": 8, "environment.industrial_noise": 5, "safety.hazardous_chemicals": 8,
		"environment.dust_emissions": 4, "environment.water_pollution": 3, "environment.solid_waste": 3, "safety.construction_site": 2,
		"safety.fire": 2, "dispute.economic": 2},
	profMarket: {"": 0.5, "dispute.consumer": 10, "city_appearance.street_vending": 3, "safety.fire": 2.5, "city_appearance.exposed_garbage": 2,
		"city_appearance.overflowing_bins": 2, "city_appearance.parking": 2, "environment.catering_fumes": 2, "safety.gas": 2,
		"city_appearance.illegal_ads": 1.5},
}

// profileSources tilt the channels by kind of place: villages have fewer
// app users and no sensors, so their workers report more; units have their
// own departments' inspections. They are rescaled so that the city-wide
// shares stay those of sourceShare.
var profileSources = [numProfiles][numSources]float64{
	profUrban:      {0.9, 1.15, 1, 1, 1.1, 1.6},
	profTown:       {1.05, 0.95, 1, 1, 0.9, 0.6},
	profRural:      {1.3, 0.6, 1.05, 0.8, 0.5, 0},
	profSchool:     {1.1, 0.7, 0.9, 1.6, 0.8, 1},
	profHospital:   {1.1, 0.7, 0.9, 1.6, 0.8, 1},
	profEnterprise: {1.1, 0.7, 0.9, 1.6, 0.8, 1},
	profMarket:     {1.1, 0.7, 0.9, 1.6, 0.8, 1},
}

// --- outcomes -----------------------------------------------------------------

// The fates of events, as shares of all events unless said otherwise: the
// outcomes of a well-run city platform (Daqing closes 98.9%). The shares of
// self-handling, escalation and extension are met by factors solved for
// over the year's mix of categories and channels when the tables are
// built (eventGen.calibrate); ~2% are rejected (rejectShare).
const (
	// duplicateShare of reports repeat an open event nearby and are merged
	// into it at registration.
	duplicateShare = 0.03
	// selfShare of all events are settled in the grid by its worker
	// (网格自办, "矛盾不上交"); the rest, ~55%, are dispatched.
	selfShare = 0.40
	// escalateShare are escalated (吹哨) once, or twice (escalateTwice of
	// them), before they are dispatched: mostly disputes and what needs
	// several departments.
	escalateShare = 0.04
	escalateTwice = 0.3
	// returnShare are returned by the department once (退回) and dispatched
	// again: the center confirms it is theirs.
	returnShare = 0.03
	// extendShare ask for more time, mostly for long jobs; approveShare of
	// the requests are granted.
	extendShare  = 0.04
	approveShare = 0.85
	// reworkShare are sent back once at verification (返工).
	reworkShare = 0.025
	// parkShare of all events, all of them dispatched, are parked (挂账) while handled, for
	// lack of money or a plan; unparkShare of those are taken up again
	// later in the year.
	parkShare   = 0.005
	unparkShare = 0.25
	// voidShare are voided (作废): a false alarm or a double entry, mostly
	// before dispatch.
	voidShare      = 0.002
	voidEarlyShare = 0.6
	// stallShare of all events are still not done at the end of the
	// year: long-overdue cases, most of them under a red card, half of them
	// after a failed verification. With the events reported too late in December
	// to finish, they make the year's closure rate ~98.9%.
	stallShare  = 0.0085
	stallRework = 0.5
)

// rejectShare is the share of each channel's reports that a center does not
// register (~2% overall): grid workers know the registration standards,
// residents and automatic channels less so.
var rejectShare = [numSources]float64{0.005, 0.035, 0.03, 0.005, 0.04, 0.05}

// selfBySource multiplies a leaf's self-handling propensity: a worker who
// finds a problem on patrol often fixes it there and then.
var selfBySource = [numSources]float64{1.45, 0.8, 0.55, 0.3, 0.7, 0.9}

// Timing: the chance that a step overruns its limit, before the township's
// own tendency (lazy, a log-normal factor of mean 1 with σ 0.45, so that
// rankings of townships differ), such that ~6% of all timed steps are
// overdue and ~95% of disposals are on time. Verification within 30
// minutes is the step most often missed.
const (
	lateRegister   = 0.05
	lateDispatch   = 0.065
	lateReceive    = 0.075
	lateHandle     = 0.035
	lateVerify     = 0.09
	lateExtended   = 0.03 // after an extension was granted
	lateRefused    = 0.35 // after an extension was refused
	lazySigma      = 0.45
	superviseLate  = 0.4  // of late disposals get a card (督办) before they are done
	superviseEarly = 0.01 // of the others get a yellow card near the deadline
	redCard        = 0.7  // of the cards for late disposals are red
)

// Ratings: the share of closed events rated by channel (residents in the
// app, callers at the call-back, for the rest the center's call-back to
// the people concerned: ~70% overall), and of those 92% satisfied, 6%
// basically satisfied and 2% unsatisfied, unhappier when the event was late
// or reworked. reopenShare of the unsatisfied are reopened.
var rateShare = [numSources]float64{0.6, 0.82, 0.9, 0.5, 0.7, 0.3}

const (
	unsatisfiedOnTime = 0.013
	basicOnTime       = 0.05
	unsatisfiedLate   = 0.05
	basicLate         = 0.1
	reopenShare       = 0.4
)

// Notes of the actions.
var (
	registerNotes   = []string{"符合立案条件，予以立案", "经核实情况属实，予以立案", "信息完整，立案处理"}
	rejectNotes     = []string{"经现场核实，所反映问题不存在，不予立案", "不属于网格事件受理范围，已告知反映人通过其他渠道办理", "反映内容不完整，无法核实具体位置，不予立案", "该事项已进入司法程序，不予立案"}
	mergeNote       = "与已立案的同一问题重复，合并办理"
	selfNotes       = []string{"属网格内可自行处置事项，由网格员现场处置", "网格员已到达现场，自行处置"}
	dispatchNotes   = []string{"按职责派遣至责任单位办理", "请责任单位按时限办理"}
	redispatchNote  = "经核实属贵单位职责范围，请按规定时限办理"
	escalateNotes   = [...]string{region.Township: "问题涉及多个部门，超出乡镇（街道）处置权限，提请县（区）综治中心协调", region.County: "需市级部门协调解决，提请市综治中心统筹"}
	acceptNotes     = []string{"已签收，安排人员办理", "已签收"}
	returnNotes     = []string{"经核实，该事项不属于本单位职责范围，申请退回重新派遣", "事件地址不在本单位管辖范围内，申请退回"}
	approveNote     = "同意延期，请在延长期限内办结"
	refuseNotes     = []string{"延期理由不充分，不予批准，请按原时限办结", "该问题群众反映强烈，不同意延期，请加快办理"}
	verifyNotes     = []string{"经现场核查，处置到位，予以结案", "电话回访核实，问题已解决，予以结案"}
	reworkNotes     = []string{"经核查，问题未彻底解决，现场仍有遗留，请返工", "回访反映人，问题仍然存在，退回重新处置"}
	yellowNote      = "事件即将到期，请加快办理进度"
	redNote         = "事件已超期未办结，予以红牌督办，请立即办理并反馈"
	parkNotes       = []string{"需纳入年度改造计划统筹解决，暂不具备处置条件，予以挂账", "涉及历史遗留问题，需多部门研究解决，挂账跟踪"}
	unparkNote      = "已列入改造计划并落实资金，解除挂账，重新派遣"
	voidNotes       = []string{"经核实系误报，作废处理", "重复录入，作废处理"}
	reopenNote      = "回访群众不满意，问题仍未解决，重新办理"
	ratingNotes     = map[string]string{"satisfied": "对处理结果满意", "basic": "基本满意，希望以后处理再快一些", "unsatisfied": "不满意，问题没有彻底解决"}
	sourcePrefixes  = [numSources][]string{srcWorker: {"网格员巡查发现：", "网格员走访时发现："}, srcHotline: {"市民来电反映：", "12345热线转办："}, srcDepartment: {"部门巡查发现："}, srcAPI: {"市民通过政务服务平台反映："}}
	gates           = []string{"东门", "西门", "南门", "北门"}
	roadSuffixes    = []string{"路", "路", "路", "街", "大街", "大道"}
	partsOfTheDay   = [24]string{"昨天夜里", "凌晨", "凌晨", "凌晨", "凌晨", "今天早上", "今天早上", "今天早上", "今天上午", "今天上午", "今天上午", "今天上午", "今天中午", "今天中午", "今天下午", "今天下午", "今天下午", "今天下午", "今天傍晚", "今天晚上", "今天晚上", "今天晚上", "今天晚上", "今天夜里"}
	stormCategories = [2]string{"safety.flood", "city_appearance.snow"}
)

// --- the generator ------------------------------------------------------------

// Random streams of the events, apart from the city's and the registry's.
const (
	streamEvents   = 0x6576_656e_7473 // "events": the calendar of reports
	streamEvent    = 0x6576_0000_0000 // plus an event's number
	streamTownship = 0x746f_776e      // xor'ed with a township's key
	streamHeat     = 0x6865_6174      // xor'ed with a grid's key
)

// eventGen draws one run of EventScripts: the tables are fixed when it is
// built, the rest is the state of the run.
type eventGen struct {
	seed uint64
	cal  *workcal.Calendar
	n    int
	end  time.Time // the first moment of the next year

	cats   []evCat
	grids  []evGrid
	towns  []evTown
	gridCD []float64 // cumulative weights of grids
	days   []evDay
	hours  []int32 // reports per hour of the year

	srcCD        [numProfiles][2][24][numSources]float64 // channel by kind of place, day off, hour
	catCD        [numProfiles][12][numSources][]float64  // category by kind of place, month, channel
	storm        [len(stormCategories)]int               // indices in cats of stormCategories
	surnameTotal int

	// Calibrated: the factors of self-handling, escalation and extension,
	// the shares of return, park, late void and rework among the events
	// they can happen to, and the base chance that an event draws repeats.
	kSelf, kEscalate, kExtend          float64
	pReturn, pPark, pVoidLate, pRework float64
	pMagnet                            float64

	// The run: repeats made and still owed by the open magnets, and the
	// current event's random stream.
	dups, owed int
	magnets    []magnet
	src        rand.PCG
	rng        *rand.Rand
	buf        []byte
}

type evCat struct {
	spec      *leafSpec
	cat       category.Category
	emergency bool // the fast path: registered and dispatched on report
	wall      bool // urgent with an hours limit: handled round the clock
	escalate  float64
	extend    float64
	feedback  [2]string // notes of the lead department and of the worker
}

type evGrid struct {
	spec    gridSpec
	profile uint8
	town    int32
	estate  string // the registry's first estate of the grid
	roads   [3]string
}

type evTown struct {
	lazy float64 // multiplies the chance of running late
}

type evDay struct {
	start      time.Time
	month      int
	off        bool
	storm      int // -1, or the index in stormCategories
	stormShare float64
}

// magnet is an open event that more reports will repeat.
type magnet struct {
	index     int
	cat       int
	issue     int // the same problem, in the same place
	grid      int32
	at        time.Time // its report
	openUntil time.Time // its first closure or voiding; zero: open all year
	next      time.Time // when the next repeat is due
	pt        orb.Point
	spot      string
	address   string
	owed      int
}

func newEventGen(c City, p Preset, o Options, year int) *eventGen {
	g := &eventGen{seed: o.Seed, cal: workcal.Default(), n: p.Events}
	loc := g.cal.Location()
	g.end = time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	g.rng = rand.New(&g.src)
	for _, s := range surnames {
		g.surnameTotal += s.per
	}
	g.buildGrids(c)
	if len(g.grids) == 0 {
		return g
	}
	g.buildCategories()
	g.buildCalendar(year)
	return g
}

// buildGrids fixes what an event needs of each grid, as NewRegistry does
// for houses: its shape, kind, address names and how busy it is.
func (g *eventGen) buildGrids(c City) {
	byCode := map[string]*region.Region{}
	var grids []*region.Region
	villageGrids := map[string]int{}
	for i := range c.Regions {
		r := &c.Regions[i]
		if r.Level == region.Grid {
			grids = append(grids, r)
			villageGrids[r.ParentCode]++
		} else {
			byCode[r.Code] = r
		}
	}
	towns := map[string]int32{}
	slot := map[string]int{}
	var src rand.PCG
	rng := rand.New(&src)
	g.grids = make([]evGrid, 0, len(grids))
	g.gridCD = make([]float64, 0, len(grids))
	total := 0.0
	for _, gr := range grids {
		if len(gr.Boundary) == 0 {
			continue
		}
		village := byCode[gr.ParentCode]
		var town, county *region.Region
		if village != nil {
			town = byCode[village.ParentCode]
		}
		if town != nil {
			county = byCode[town.ParentCode]
		}
		e := evGrid{}
		s := &e.spec
		s.code, s.key, s.shape, s.bound = gr.Code, hashString(gr.Code), gr.Boundary, gr.Boundary.Bound()
		s.class, s.local = classify(gr, village)
		if county != nil && town != nil {
			s.place = county.Name + town.Name
		}
		s.villageKey = hashString(gr.ParentCode)
		s.slot, s.slots = slot[gr.ParentCode], villageGrids[gr.ParentCode]
		slot[gr.ParentCode]++
		e.profile = profileOf(s.class, gr.Subtype)
		townCode := gr.Code[:min(9, len(gr.Code))]
		ti, ok := towns[townCode]
		if !ok {
			ti = int32(len(g.towns))
			towns[townCode] = ti
			src.Seed(g.seed, mix(hashString(townCode)^streamTownship))
			g.towns = append(g.towns, evTown{lazy: math.Exp(lazySigma*rng.NormFloat64() - lazySigma*lazySigma/2)})
		}
		e.town = ti
		// The registry's first estate of the grid is the first draw of its
		// layout stream, so events name the estate its houses are in.
		if s.class != ruralGrid {
			src.Seed(g.seed, mix(s.key^streamLayout))
			e.estate = estateName(s, 0, rng)
		}
		// Roads are the township's: neighbouring grids share them.
		src.Seed(g.seed, mix(hashString(townCode)^streamTownship^1))
		var roads [6]string
		for k := range roads {
			roads[k] = syllables[rng.IntN(len(syllables))] + syllables[rng.IntN(len(syllables))] + roadSuffixes[rng.IntN(len(roadSuffixes))]
		}
		src.Seed(g.seed, mix(s.key^streamHeat))
		first := rng.IntN(len(roads))
		for k := range e.roads {
			e.roads[k] = roads[(first+k*(1+rng.IntN(2)))%len(roads)]
		}
		total += profileVolume[e.profile] * math.Exp(0.4*rng.NormFloat64()-0.08)
		g.grids = append(g.grids, e)
		g.gridCD = append(g.gridCD, total)
	}
}

func profileOf(class gridClass, subtype string) uint8 {
	switch class {
	case urbanGrid:
		return profUrban
	case townGrid:
		return profTown
	case ruralGrid:
		return profRural
	}
	switch subtype {
	case "school":
		return profSchool
	case "hospital":
		return profHospital
	case "market":
		return profMarket
	}
	return profEnterprise
}

// buildCategories fits the category × channel shares, builds the tables the
// draws use and solves for the calibrated probabilities.
func (g *eventGen) buildCategories() {
	tree := map[string]category.Category{}
	for _, c := range category.DefaultTree() {
		if c.Leaf && c.Active {
			tree[c.Code] = c
		}
	}
	var weights []float64
	for i := range eventLeaves {
		spec := &eventLeaves[i]
		c, ok := tree[spec.code]
		if !ok || spec.weight <= 0 {
			continue
		}
		e := evCat{spec: spec, cat: c, emergency: c.DefaultUrgency == category.Emergency}
		if _, unit := c.Limit(category.Handle, region.Township); c.DefaultUrgency == category.Urgent && unit == category.Hours {
			e.wall = true
		}
		e.feedback = [2]string{"已办结：" + c.ClosingStandard, "网格员现场处置完毕：" + c.ClosingStandard}
		g.cats = append(g.cats, e)
		weights = append(weights, spec.weight)
	}
	for k, code := range stormCategories {
		g.storm[k] = slices.IndexFunc(g.cats, func(c evCat) bool { return c.spec.code == code })
	}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	for i := range weights {
		weights[i] /= sum
	}
	// Fit P(category, channel) to both sets of shares, starting from the
	// channels' tilts (iterative proportional fitting).
	joint := make([][numSources]float64, len(g.cats))
	for c := range joint {
		for s := range numSources {
			joint[c][s] = weights[c] * sourceShare[s] * sourceTilts[s].of(g.cats[c].spec.code)
		}
	}
	for range 60 {
		for c := range joint {
			row := 0.0
			for s := range numSources {
				row += joint[c][s]
			}
			if row > 0 {
				for s := range numSources {
					joint[c][s] *= weights[c] / row
				}
			}
		}
		for s := range numSources {
			col := 0.0
			for c := range joint {
				col += joint[c][s]
			}
			if col > 0 {
				for c := range joint {
					joint[c][s] *= sourceShare[s] / col
				}
			}
		}
	}
	// Draw tables: a category given kind of place, month and channel.
	for pr := range numProfiles {
		for m := range 12 {
			for s := range numSources {
				cd := make([]float64, len(g.cats))
				acc := 0.0
				for c := range g.cats {
					acc += joint[c][s] * g.profileTilt(pr, c) * seasonOf(g.cats[c].spec.season, m)
					cd[c] = acc
				}
				g.catCD[pr][m][s] = cd
			}
		}
	}
	g.calibrate(joint)
}

func (g *eventGen) profileTilt(pr, c int) float64 {
	code := g.cats[c].spec.code
	if pr == profTown {
		return math.Sqrt(profileTilts[profRural].of(code))
	}
	return profileTilts[pr].of(code)
}

// seasonOf is a season's factor for month m (0-based), the season scaled to
// a mean of 1.
func seasonOf(s *[12]float64, m int) float64 {
	if s == nil {
		return 1
	}
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	return s[m] * 12 / sum
}

// calibrate solves for the factors that make the expected shares of
// self-handling, escalation and extension those of the constants, over the
// year's mix of categories and channels.
func (g *eventGen) calibrate(joint [][numSources]float64) {
	primary := 1 - duplicateShare
	pVoidEarly := voidShare * voidEarlyShare
	g.kSelf = solve(selfShare, func(k float64) float64 {
		e := 0.0
		for c := range g.cats {
			for s := range numSources {
				e += joint[c][s] * (1 - g.rejectOf(c, s)) * (1 - pVoidEarly) * g.selfOf(c, s, k)
			}
		}
		return primary * e
	})
	dispatched, handled := 0.0, 0.0
	for c := range g.cats {
		for s := range numSources {
			r := 1 - g.rejectOf(c, s)
			if g.cats[c].emergency {
				dispatched += joint[c][s]
				handled += joint[c][s]
				continue
			}
			dispatched += joint[c][s] * r * (1 - pVoidEarly) * (1 - g.selfOf(c, s, g.kSelf))
			handled += joint[c][s] * r * (1 - pVoidEarly)
		}
	}
	dispatched, handled = primary*dispatched, primary*handled
	for c := range g.cats {
		code := g.cats[c].spec.code
		w := 0.6
		switch {
		case code == "public_order.gathering":
			w = 4
		case code == "dispute.land":
			w = 3
		case code == "dispute.wages":
			w = 2.5
		case strings.HasPrefix(code, "dispute."), code == "city_appearance.illegal_construction":
			w = 2
		case strings.HasPrefix(code, "environment."):
			w = 1.2
		}
		if g.cats[c].emergency {
			w = 0
		}
		g.cats[c].escalate = w
		// Long jobs ask for more time, quick fixes hardly ever.
		amount, unit := g.cats[c].cat.Limit(category.Handle, region.Township)
		switch {
		case g.cats[c].emergency:
			w = 0
		case unit == category.Days && amount >= 3:
			w = 2.5
		case unit == category.Days:
			w = 1
		default:
			w = 0.3
		}
		g.cats[c].extend = w
	}
	g.kEscalate = solve(escalateShare, func(k float64) float64 {
		e := 0.0
		for c := range g.cats {
			for s := range numSources {
				e += joint[c][s] * (1 - g.rejectOf(c, s)) * (1 - pVoidEarly) * (1 - g.selfOf(c, s, g.kSelf)) * min(1, k*g.cats[c].escalate)
			}
		}
		return primary * e
	})
	g.kExtend = solve(extendShare, func(k float64) float64 {
		e := 0.0
		for c := range g.cats {
			for s := range numSources {
				e += joint[c][s] * (1 - g.rejectOf(c, s)) * (1 - pVoidEarly) * min(1, k*g.cats[c].extend)
			}
		}
		return primary * e
	})
	g.pReturn = returnShare / dispatched
	g.pPark = parkShare / dispatched
	g.pVoidLate = voidShare * (1 - voidEarlyShare) / handled
	g.pRework = (reworkShare - stallShare*stallRework) / handled
	// Repeats: a magnet draws 1.47 repeats on average, of which about 80%
	// come while it is open; primary adapts the rate as it goes.
	dup := 0.0
	for c := range g.cats {
		for s := range numSources {
			dup += joint[c][s] * g.cats[c].spec.dup
		}
	}
	g.pMagnet = duplicateShare / (1.47 * 0.8 * dup * primary)
}

func (g *eventGen) rejectOf(c, s int) float64 {
	if g.cats[c].emergency {
		return 0
	}
	return rejectShare[s]
}

func (g *eventGen) selfOf(c, s int, k float64) float64 {
	if g.cats[c].emergency {
		return 0
	}
	return min(0.97, k*g.cats[c].spec.self*selfBySource[s])
}

// solve finds k ≥ 0 with f(k) = target for an f that grows with k.
func solve(target float64, f func(float64) float64) float64 {
	lo, hi := 0.0, 1.0
	for f(hi) < target && hi < 1e6 {
		hi *= 2
	}
	for range 60 {
		mid := (lo + hi) / 2
		if f(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// buildCalendar shares the year's reports among its hours and fills the
// tables of channels by hour.
func (g *eventGen) buildCalendar(year int) {
	loc := g.cal.Location()
	rng := rand.New(rand.NewPCG(g.seed, streamEvents))
	ndays := int(g.end.Sub(time.Date(year, 1, 1, 0, 0, 0, 0, loc)).Hours()+12) / 24
	g.days = make([]evDay, ndays)
	vol := make([]float64, ndays)
	for d := range g.days {
		start := time.Date(year, 1, 1+d, 0, 0, 0, 0, loc)
		date := g.cal.DateOf(start)
		day := evDay{start: start, month: int(start.Month()) - 1, off: !g.cal.IsWorkday(date), storm: -1}
		v := monthVolume[day.month] * math.Exp(dayNoise*rng.NormFloat64())
		if o, ok := g.cal.Override(date); ok && o.IsOffDay {
			if strings.Contains(o.Name, "春节") {
				v *= springFestivalDay
			} else {
				v *= otherHolidayDay
			}
		}
		g.days[d], vol[d] = day, v
	}
	// Storms: rain in July and August, snow from mid-November to mid-March.
	storm := func(kind int, ok func(month, dom int) bool) {
		for made, tries := 0, 0; made < stormDays && tries < 1000; tries++ {
			d := rng.IntN(ndays)
			day := &g.days[d]
			if day.storm >= 0 || !ok(day.month, day.start.Day()) {
				continue
			}
			day.storm, day.stormShare = kind, stormShare
			vol[d] *= stormVolume
			if d+1 < ndays && g.days[d+1].storm < 0 {
				g.days[d+1].storm, g.days[d+1].stormShare = kind, afterStormShare
				vol[d+1] *= afterStormVol
			}
			made++
		}
	}
	storm(0, func(m, _ int) bool { return m == 6 || m == 7 })
	storm(1, func(m, dom int) bool { return m <= 1 || (m == 2 && dom <= 15) || (m == 10 && dom >= 15) || m == 11 })
	// Scale each channel's rhythm so that it keeps its share of the year.
	var scale [numSources]float64
	for s := range numSources {
		sum := 0.0
		for d, day := range g.days {
			for _, r := range rhythm[s][b2i(day.off)] {
				sum += vol[d] * r
			}
		}
		scale[s] = sourceShare[s] / sum
	}
	// Channels by kind of place, rescaled so that the city keeps the shares.
	var share [numProfiles]float64
	prev := 0.0
	for i, e := range g.grids {
		share[e.profile] += g.gridCD[i] - prev
		prev = g.gridCD[i]
	}
	var norm [numSources]float64
	for pr := range numProfiles {
		for s := range numSources {
			norm[s] += share[pr] / prev * profileSources[pr][s]
		}
	}
	for pr := range numProfiles {
		for off := range 2 {
			for h := range 24 {
				acc := 0.0
				for s := range numSources {
					if norm[s] > 0 {
						acc += scale[s] * rhythm[s][off][h] * profileSources[pr][s] / norm[s]
					}
					g.srcCD[pr][off][h][s] = acc
				}
			}
		}
	}
	// The hours: intensity = the day's volume × all channels' rhythms.
	cd := make([]float64, ndays*24)
	acc := 0.0
	for d, day := range g.days {
		for h := range 24 {
			for s := range numSources {
				acc += vol[d] * scale[s] * rhythm[s][b2i(day.off)][h]
			}
			cd[d*24+h] = acc
		}
	}
	g.hours = make([]int32, len(cd))
	for range g.n {
		g.hours[search(cd, rng.Float64()*acc)]++
	}
}

// search returns the first i with cd[i] > x: the bucket of a draw x in
// [0, cd[len-1]) from cumulative weights.
func search(cd []float64, x float64) int {
	lo, hi := 0, len(cd)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cd[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// run yields the scripts hour by hour; each report is an event of its own,
// or the repeat of an open event nearby.
func (g *eventGen) run(yield func(EventScript) bool) {
	rng := rand.New(rand.NewPCG(g.seed, streamEvents^1))
	var offsets []int
	i := 0
	for d := range g.days {
		day := &g.days[d]
		for h := range 24 {
			k := int(g.hours[d*24+h])
			if k == 0 {
				continue
			}
			offsets = offsets[:0]
			for range k {
				offsets = append(offsets, rng.IntN(3600))
			}
			slices.Sort(offsets)
			for _, off := range offsets {
				at := day.start.Add(time.Duration(h)*time.Hour + time.Duration(off)*time.Second)
				g.src.Seed(g.seed, mix(streamEvent+uint64(i)))
				s, ok := g.repeat(at, i)
				if !ok {
					s = g.primary(at, day, h, i)
				}
				if !yield(s) {
					return
				}
				i++
			}
		}
	}
}

// --- one event ----------------------------------------------------------------

// fate is what will happen to an event, drawn when it is reported.
type fate struct {
	source    int
	emergency bool
	reject    bool
	voidEarly bool
	self      bool
	escalate  int
	ret       bool
	extend    bool
	park      bool
	unpark    bool
	voidLate  bool
	stall     int // 0, stallNoFeedback or stallAfterRework
	rework    bool
	rated     bool
}

const (
	stallNoFeedback = 1 + iota
	stallAfterRework
)

// primary draws a new event at a report moment.
func (g *eventGen) primary(at time.Time, day *evDay, hour, index int) EventScript {
	rng := g.rng
	gi := search(g.gridCD, rng.Float64()*g.gridCD[len(g.gridCD)-1])
	gr := &g.grids[gi]
	scd := &g.srcCD[gr.profile][b2i(day.off)][hour]
	s := search(scd[:], rng.Float64()*scd[numSources-1])
	var c int
	if day.storm >= 0 && g.storm[day.storm] >= 0 && rng.Float64() < day.stormShare {
		c = g.storm[day.storm]
	} else {
		cd := g.catCD[gr.profile][day.month][s]
		if cd[len(cd)-1] <= 0 {
			cd = g.catCD[profUrban][day.month][srcWorker]
		}
		c = search(cd, rng.Float64()*cd[len(cd)-1])
	}
	cat := &g.cats[c]
	pt := samplePoint(&gr.spec, rng)
	spot := g.spot(gr, cat.spec.spot)
	address := g.address(gr, spot)
	k := rng.IntN(len(cat.spec.issues))
	script := g.report(at, s, c, gi, pt, spot, address, k)

	f := fate{source: s, emergency: cat.emergency}
	if !f.emergency {
		f.reject = rng.Float64() < rejectShare[s]
		f.voidEarly = rng.Float64() < voidShare*voidEarlyShare
		f.self = rng.Float64() < g.selfOf(c, s, g.kSelf)
		if !f.self && rng.Float64() < min(1, g.kEscalate*cat.escalate) {
			f.escalate = 1
			if rng.Float64() < escalateTwice {
				f.escalate = 2
			}
		}
		f.ret = !f.self && rng.Float64() < g.pReturn
		f.extend = rng.Float64() < min(1, g.kExtend*cat.extend)
	}
	// At most one of parking, voiding and stalling.
	switch u := rng.Float64(); {
	case u < g.pPark:
		if !f.self && !f.emergency {
			f.park, f.unpark = true, rng.Float64() < unparkShare
		}
	case u < g.pPark+g.pVoidLate:
		f.voidLate = true
	case u < g.pPark+g.pVoidLate+stallShare && !f.emergency:
		f.stall = stallNoFeedback
		if rng.Float64() < stallRework {
			f.stall = stallAfterRework
		}
	}
	f.rework = f.stall == stallAfterRework || rng.Float64() < g.pRework
	f.rated = rng.Float64() < rateShare[s]

	l := g.newLife(cat, gr, at)
	l.play(&f)
	script.Steps = g.cut(l.steps)

	// Some events are reported again by others while they are open.
	if !f.reject && !f.emergency && cat.spec.dup > 0 {
		// Not every repeat owed comes while its event is open (count half
		// of them); the cube steers hard towards the share, so that the
		// shortfall stays small.
		adapt := math.Pow((duplicateShare*float64(index+1)+3)/(float64(g.dups)+0.5*float64(g.owed)+3), 3)
		if rng.Float64() < g.pMagnet*cat.spec.dup*min(max(adapt, 0.2), 5) {
			m := magnet{index: index, cat: c, issue: k, grid: int32(gi), at: at, openUntil: l.openUntil, pt: pt, spot: spot, address: address, owed: 1}
			if rng.Float64() < 0.35 {
				m.owed++
			}
			if rng.Float64() < 0.12 {
				m.owed++
			}
			m.next = at.Add(repeatDelay(rng))
			g.owed += m.owed
			g.magnets = append(g.magnets, m)
		}
	}
	return script
}

// repeatDelay is how long after a report (or the last repeat) the next
// person reports the same thing: minutes to hours, 3 hours on average.
func repeatDelay(rng *rand.Rand) time.Duration {
	return (5*time.Minute + time.Duration(rng.ExpFloat64()*float64(3*time.Hour))).Truncate(time.Second)
}

// repeat makes the report at a moment the repeat of a magnet that is due,
// merged into it when the center registers reports; false when none is.
func (g *eventGen) repeat(at time.Time, index int) (EventScript, bool) {
	best := -1
	live := g.magnets[:0]
	for _, m := range g.magnets {
		if m.owed <= 0 || at.After(m.at.Add(similarWithin)) || (!m.openUntil.IsZero() && !at.Before(m.openUntil)) {
			g.owed -= m.owed
			continue
		}
		live = append(live, m)
		if !m.next.After(at) && (best < 0 || m.next.Before(live[best].next)) {
			best = len(live) - 1
		}
	}
	g.magnets = live
	if best < 0 {
		return EventScript{}, false
	}
	m := &g.magnets[best]
	rng := g.rng
	gr := &g.grids[m.grid]
	cat := &g.cats[m.cat]
	// The repeat is merged when its registration step ends; the event it
	// repeats must still be open then.
	l := g.newLife(cat, gr, at)
	merge := l.end(category.Register, 0)
	m.owed--
	g.owed--
	if !m.openUntil.IsZero() && !merge.Before(m.openUntil.Add(-time.Minute)) {
		g.owed -= m.owed
		m.owed = 0
		return EventScript{}, false
	}
	m.next = at.Add(repeatDelay(rng))
	g.dups++
	// Neighbours and passers-by repeat a report, by app or by phone.
	s := srcResident
	switch u := rng.Float64(); {
	case u < 0.35:
		s = srcHotline
	case u < 0.45:
		s = srcWorker
	}
	pt := nearPoint(&gr.spec, rng, m.pt, similarRadius)
	script := g.report(at, s, m.cat, int(m.grid), pt, m.spot, m.address, m.issue)
	l.act(merge, ByHolder, event.Merge, mergeNote).DuplicateOfIndex = m.index
	script.Steps = g.cut(l.steps)
	return script, true
}

// Repeats lie within similarRadius metres of the event they repeat along
// each axis (so within 170 m, inside the service's 200 m) and are reported
// within its 72 hours.
const (
	similarRadius = 120
	similarWithin = 72*time.Hour - time.Minute
)

// cut drops the actions after the end of the year.
func (g *eventGen) cut(steps []ScriptStep) []ScriptStep {
	for i, s := range steps {
		if !s.At.Before(g.end) {
			return steps[:i:i]
		}
	}
	return steps
}

// report fills in the report of an event about issue k of its category.
func (g *eventGen) report(at time.Time, s, c, gi int, pt orb.Point, spot, address string, k int) EventScript {
	rng := g.rng
	gr := &g.grids[gi]
	spec := g.cats[c].spec
	x := textCtx{spot: spot, n: 2 + rng.IntN(8), m: 2 + rng.IntN(8), when: partsOfTheDay[at.Hour()], surname: g.surname()}
	title := string(x.expand(g.buf[:0], spec.issues[k].title))
	var desc []byte
	if s == srcSensor {
		desc = append(g.buf[:0], "物联感知设备自动告警："...)
		desc = append(desc, title...)
		desc = append(desc, "，请核实处置。"...)
	} else {
		desc = g.buf[:0]
		if ps := sourcePrefixes[s]; len(ps) > 0 {
			desc = append(desc, ps[rng.IntN(len(ps))]...)
		}
		desc = x.expand(desc, spec.issues[k].body)
	}
	g.buf = desc[:0]
	coords := [2]float64{pt[0], pt[1]}
	in := event.ReportInput{Source: sourceOf[s], CategoryCode: spec.code, Title: title, Description: string(desc),
		Lng: &coords[0], Lat: &coords[1], GridCode: gr.spec.code, Address: address}
	if s == srcHotline {
		in.ReporterName, in.ReporterPhone = g.caller()
	}
	return EventScript{At: at, Report: in}
}

// textCtx fills the placeholders of a template.
type textCtx struct {
	spot, when, surname string
	n, m                int
}

func (x *textCtx) expand(b []byte, tpl string) []byte {
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 || i+2 >= len(tpl) || tpl[i+2] != '}' {
			return append(b, tpl...)
		}
		b = append(b, tpl[:i]...)
		switch tpl[i+1] {
		case 'p':
			b = append(b, x.spot...)
		case 'n':
			b = strconv.AppendInt(b, int64(x.n), 10)
		case 'm':
			b = strconv.AppendInt(b, int64(x.m), 10)
		case 't':
			b = append(b, x.when...)
		case 'x':
			b = append(b, x.surname...)
		}
		tpl = tpl[i+3:]
	}
}

// spot names where in the grid an event is, briefly: 幸福小区3栋楼下,
// 建设路与新华街交叉口, 红旗村3组, 红旗中学大门口.
func (g *eventGen) spot(gr *evGrid, kind spotKind) string {
	rng := g.rng
	b := g.buf[:0]
	if kind == spotAny {
		kind = spotRoad + spotKind(rng.IntN(2))
	}
	road := gr.roads[rng.IntN(len(gr.roads))]
	num := func(lo, hi int) { b = strconv.AppendInt(b, int64(lo+rng.IntN(hi-lo+1)), 10) }
	switch s := &gr.spec; {
	case s.class == ruralGrid:
		switch kind {
		case spotRoad:
			switch rng.IntN(3) {
			case 0:
				b = append(b, s.local...)
				num(1, 8)
				b = append(b, "组路口"...)
			case 1:
				b = append(b, s.local...)
				b = append(b, "村口"...)
			default:
				b = append(b, road...)
				b = append(b, s.local...)
				b = append(b, "段"...)
			}
		case spotEstate:
			b = append(b, s.local...)
			switch rng.IntN(3) {
			case 0:
				num(1, 8)
				b = append(b, "组"...)
			case 1:
				b = append(b, "文化广场"...)
			default:
				b = append(b, "村委会附近"...)
			}
		default:
			b = append(b, s.local...)
			num(1, 8)
			b = append(b, "组"...)
			num(1, 60)
			b = append(b, "号"...)
		}
	case s.class == unitGrid && kind != spotHome:
		if kind == spotRoad {
			b = append(b, road...)
			b = append(b, s.local...)
			b = append(b, "门前"...)
		} else {
			b = append(b, s.local...)
			switch rng.IntN(3) {
			case 0:
				b = append(b, "院内"...)
			case 1:
				b = append(b, "大门口"...)
			default:
				num(1, 6)
				b = append(b, "号楼"...)
			}
		}
	default:
		switch kind {
		case spotRoad:
			b = append(b, road...)
			switch rng.IntN(4) {
			case 0:
				num(1, 300)
				b = append(b, "号附近"...)
			case 1:
				other := gr.roads[rng.IntN(len(gr.roads))]
				if other == road {
					b = append(b, "公交站附近"...)
					break
				}
				b = append(b, "与"...)
				b = append(b, other...)
				b = append(b, "交叉口"...)
			case 2:
				b = append(b, gr.estate...)
				b = append(b, "门前"...)
			default:
				b = append(b, "公交站附近"...)
			}
		case spotEstate:
			b = append(b, gr.estate...)
			switch rng.IntN(4) {
			case 0:
				num(1, 12)
				b = append(b, "栋楼下"...)
			case 1:
				b = append(b, gates[rng.IntN(len(gates))]...)
			case 2:
				num(1, 12)
				b = append(b, "栋"...)
				num(1, 4)
				b = append(b, "单元"...)
			default:
				b = append(b, "院内"...)
			}
		default:
			// A flat: floor·100 + door, in a walk-up or now and then a tower.
			b = append(b, gr.estate...)
			num(1, 12)
			b = append(b, "栋"...)
			num(1, 4)
			b = append(b, "单元"...)
			floors := 6
			if rng.IntN(4) == 0 {
				floors = 18
			}
			b = strconv.AppendInt(b, int64((1+rng.IntN(floors))*100+1+rng.IntN(2)), 10)
			b = append(b, "室"...)
		}
	}
	g.buf = b[:0]
	return string(b)
}

// address is the full address: county, township, community or village,
// then the spot (which may already name the village or unit).
func (g *eventGen) address(gr *evGrid, spot string) string {
	s := &gr.spec
	if s.class == unitGrid || strings.Contains(spot, s.local) {
		return s.place + spot
	}
	return s.place + s.local + spot
}

func (g *eventGen) surname() string {
	x := g.rng.IntN(g.surnameTotal)
	for _, s := range surnames {
		if x < s.per {
			return s.name
		}
		x -= s.per
	}
	return surnames[0].name
}

// caller is the name and mobile number a hotline caller gives.
func (g *eventGen) caller() (string, string) {
	rng := g.rng
	pool := givenChars[rng.IntN(len(givenChars))][rng.IntN(2)]
	name := g.surname() + pool[rng.IntN(len(pool))]
	if rng.IntN(100) < 72 {
		name += pool[rng.IntN(len(pool))]
	}
	b := append(g.buf[:0], mobilePrefixes[rng.IntN(len(mobilePrefixes))]...)
	b = appendPadded(b, rng.IntN(100_000_000), 8)
	g.buf = b[:0]
	return name, string(b)
}

// --- the life of an event -----------------------------------------------------

// life plays an event through the machine, placing each action in time.
type life struct {
	g     *eventGen
	rng   *rand.Rand
	cat   *evCat
	lvl   region.Level // the level of the holding center
	lazy  float64
	wall  bool // steps in wall-clock time: emergencies and urgent events
	t     time.Time
	late  bool // some step ran late, which residents remember
	steps []ScriptStep
	// openUntil is the first closure or voiding; zero while open.
	openUntil time.Time
}

func (g *eventGen) newLife(cat *evCat, gr *evGrid, at time.Time) *life {
	return &life{g: g, rng: g.rng, cat: cat, lvl: region.Township, lazy: g.towns[gr.town].lazy,
		wall: cat.emergency || cat.wall, t: at, steps: make([]ScriptStep, 0, 10)}
}

func (l *life) act(at time.Time, by Party, a event.Action, note string) *ScriptStep {
	l.steps = append(l.steps, ScriptStep{At: at, By: by, Input: event.ActInput{Action: a, Note: note}, DuplicateOfIndex: -1})
	l.t = at
	return &l.steps[len(l.steps)-1]
}

func (l *life) pick(notes []string) string { return notes[l.rng.IntN(len(notes))] }

// p is the chance that a step with base chance base runs late here.
func (l *life) p(base float64) float64 { return base * l.lazy }

// due is the deadline of a step begun at from, as the service sets it.
func (l *life) due(from time.Time, step category.Step) time.Time {
	amount, unit := l.cat.cat.Limit(step, l.lvl)
	return addLimit(l.g.cal, from, amount, unit)
}

// addLimit counts a limit from a moment in working time, as the event
// service does; a step without a limit gets a working day.
func addLimit(cal *workcal.Calendar, from time.Time, amount float64, unit category.Unit) time.Time {
	switch {
	case amount <= 0:
		return cal.AddWorkingDays(from, 1)
	case unit == category.Days:
		return cal.AddWorkingDays(from, int(amount))
	}
	return cal.AddWorkingDuration(from, time.Duration(amount*float64(time.Hour)))
}

// end draws when the step of the current state, begun at l.t, ends.
func (l *life) end(step category.Step, late float64) time.Time {
	return l.until(l.t, l.due(l.t, step), step == category.Handle, late)
}

// until draws a moment after from: by due (usually early in the limit for
// quick steps, spread through it for handling) or, with chance late, after
// it, by about half the limit. Moments are whole seconds in working time,
// so that they are placed the way the service counts: a report at night is
// registered in the morning.
func (l *life) until(from, due time.Time, slow bool, late float64) time.Time {
	cal, rng := l.g.cal, l.rng
	if l.wall && late < 1 {
		late /= 3
	}
	if l.wall {
		return l.wallUntil(from, due, slow, late)
	}
	total := cal.WorkingDuration(from, due)
	if total < time.Minute || rng.Float64() < late {
		l.late = true
		over := time.Duration((0.05 + min(0.5*rng.ExpFloat64(), 4)) * float64(max(total, time.Hour)))
		return cal.AddWorkingDuration(maxTime(from, due), max(over, 10*time.Minute).Truncate(time.Second))
	}
	var u float64
	if slow {
		u = 0.03 + 0.94*math.Pow(rng.Float64(), 1.4)
	} else {
		u = 0.03 + 0.92*rng.Float64()*rng.Float64()
	}
	d := min(max(time.Duration(u*float64(total)).Truncate(time.Second), time.Minute), total)
	return cal.AddWorkingDuration(from, d)
}

// wallUntil is until for events handled round the clock: minutes for the
// quick steps, about half the limit's hours to handle.
func (l *life) wallUntil(from, due time.Time, slow bool, late float64) time.Time {
	rng := l.rng
	mean := 12 * time.Minute
	if slow {
		amount, _ := l.cat.cat.Limit(category.Handle, l.lvl)
		mean = time.Duration(0.45 * amount * float64(time.Hour))
	}
	at := from.Add(max(time.Duration((0.2+rng.ExpFloat64())*float64(mean)), 2*time.Minute).Truncate(time.Second))
	if rng.Float64() < late || !due.After(from.Add(time.Minute)) {
		l.late = true
		return maxTime(from, due).Add(time.Duration(5+rng.IntN(55)) * time.Minute)
	}
	if at.After(due) {
		at = from.Add(max(time.Duration((0.3+0.65*rng.Float64())*float64(due.Sub(from))).Truncate(time.Second), time.Second))
	}
	return at
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// play runs the whole life.
func (l *life) play(f *fate) {
	if f.emergency {
		// Registered and dispatched on report: the department signs for it.
		l.act(l.end(category.Receive, l.p(lateReceive)), ByLead, event.Accept, l.pick(acceptNotes))
		if l.handle(ByLead, f) {
			l.close(f)
		}
		return
	}
	at := l.end(category.Register, l.p(lateRegister))
	if f.reject {
		l.act(at, ByHolder, event.Reject, l.pick(rejectNotes))
		return
	}
	l.act(at, ByHolder, event.Register, l.pick(registerNotes))
	if f.voidEarly {
		l.act(l.end(category.Dispatch, l.p(lateDispatch)), ByHolder, event.Void, l.pick(voidNotes))
		l.openUntil = l.t
		return
	}
	if l.route(f) {
		l.close(f)
	}
}

// route takes a registered event into handling and through it: the worker
// takes it on, or the center escalates it, dispatches it and perhaps
// dispatches it again after a return. It reports whether it was fed back.
func (l *life) route(f *fate) bool {
	// A case that will stall is slow from the start: it is taken on late,
	// which marks it overdue (and so due to be closed) whether or not a
	// deadline sweep runs.
	lateIn := l.p(lateReceive)
	if f.stall == stallNoFeedback {
		lateIn = 1
	}
	if f.self {
		l.act(l.end(category.Dispatch, lateIn), ByWorker, event.SelfHandle, l.pick(selfNotes))
		return l.handle(ByWorker, f)
	}
	for range f.escalate {
		l.act(l.end(category.Dispatch, l.p(lateDispatch)), ByHolder, event.Escalate, escalateNotes[l.lvl])
		l.lvl--
	}
	f.escalate = 0
	l.act(l.end(category.Dispatch, l.p(lateDispatch)), ByHolder, event.Dispatch, l.pick(dispatchNotes))
	if f.ret {
		f.ret = false
		l.act(l.end(category.Receive, l.p(lateReceive)), ByLead, event.Return, l.pick(returnNotes))
		l.act(l.end(category.Dispatch, l.p(lateDispatch)), ByHolder, event.Dispatch, redispatchNote)
	}
	l.act(l.end(category.Receive, lateIn), ByLead, event.Accept, l.pick(acceptNotes))
	return l.handle(ByLead, f)
}

// handle plays the handle step begun at l.t by the lead department or the
// grid's worker: perhaps an extension, a supervision card, parking or
// voiding, then the feedback. It reports whether the event was fed back.
func (l *life) handle(by Party, f *fate) bool {
	cal, rng := l.g.cal, l.rng
	start := l.t
	due := l.due(start, category.Handle)
	late := l.p(lateHandle)
	if f.extend {
		f.extend = false
		total := cal.WorkingDuration(start, due)
		ask := cal.AddWorkingDuration(start, max(time.Duration((0.4+0.45*rng.Float64())*float64(total)).Truncate(time.Second), time.Minute))
		ext := l.extension()
		l.act(ask, by, event.RequestExtension, extensionNote(ext)).Input.Extension = &ext
		left := cal.WorkingDuration(ask, due)
		decided := cal.AddWorkingDuration(ask, max(min(2*time.Hour, left/2).Truncate(time.Second), time.Minute))
		if rng.Float64() < approveShare {
			l.act(decided, ByHolder, event.ApproveExtension, approveNote)
			due = addLimit(cal, due, ext.Amount, ext.Unit)
			late = l.p(lateExtended)
		} else {
			l.act(decided, ByHolder, event.RefuseExtension, l.pick(refuseNotes))
			late = l.p(lateRefused)
		}
	}
	switch {
	case f.park:
		f.park = false
		l.act(l.until(l.t, due, true, 0), ByHolder, event.Park, l.pick(parkNotes))
		if !f.unpark {
			return false
		}
		// Taken up again weeks later, when money or a plan is there.
		l.act(cal.AddWorkingDays(l.t, 15+rng.IntN(60)), ByHolder, event.Unpark, unparkNote)
		l.act(l.end(category.Dispatch, l.p(lateDispatch)), ByHolder, event.Dispatch, l.pick(dispatchNotes))
		l.act(l.end(category.Receive, l.p(lateReceive)), ByLead, event.Accept, l.pick(acceptNotes))
		return l.handle(ByLead, f)
	case f.voidLate:
		l.act(l.until(l.t, due, true, 0), ByHolder, event.Void, l.pick(voidNotes))
		l.openUntil = l.t
		return false
	case f.stall == stallNoFeedback:
		if rng.Float64() < 0.7 {
			l.act(l.until(l.t, due, true, 1), ByHolder, event.Supervise, redNote).Input.Card = "red"
		}
		return false
	case f.stall == stallAfterRework:
		late = 1
	}
	done := l.until(l.t, due, true, late)
	// A card while the department is still at it.
	switch {
	case done.After(due) && rng.Float64() < superviseLate:
		from := maxTime(due, l.t)
		if span := cal.WorkingDuration(from, done); span > 2*time.Minute {
			at := cal.AddWorkingDuration(from, time.Duration((0.2+0.6*rng.Float64())*float64(span)).Truncate(time.Second))
			if at.After(l.t) && at.Before(done) {
				s := l.act(at, ByHolder, event.Supervise, redNote)
				s.Input.Card = "red"
				if rng.Float64() > redCard {
					s.Input.Card, s.Input.Note = "yellow", yellowNote
				}
			}
		}
	case !done.After(due) && rng.Float64() < superviseEarly:
		total := cal.WorkingDuration(l.t, due)
		at := cal.AddWorkingDuration(l.t, time.Duration((0.8+0.15*rng.Float64())*float64(total)).Truncate(time.Second))
		if at.After(l.t) && at.Before(done) {
			l.act(at, ByHolder, event.Supervise, yellowNote).Input.Card = "yellow"
		}
	}
	l.act(done, by, event.Feedback, l.cat.feedback[b2i(by == ByWorker)])
	return true
}

// extension is how much more time is asked for: a share of the limit, in
// whole working days or in hours.
func (l *life) extension() category.Amount {
	amount, unit := l.cat.cat.Limit(category.Handle, l.lvl)
	if unit == category.Days {
		return category.Amount{Amount: float64(max(1, int(math.Round(amount*(0.3+0.7*l.rng.Float64()))))), Unit: category.Days}
	}
	return category.Amount{Amount: float64([]int{2, 4, 8}[l.rng.IntN(3)]), Unit: category.Hours}
}

func extensionNote(a category.Amount) string {
	if a.Unit == category.Days {
		return "需协调相关单位并安排施工，申请延期" + strconv.Itoa(int(a.Amount)) + "个工作日"
	}
	return "需等待专业人员和材料到场，申请延长" + strconv.Itoa(int(a.Amount)) + "个工作小时"
}

// close verifies a fed-back event (after one rework, if it needs one), then
// has it rated and perhaps reopened and done again.
func (l *life) close(f *fate) {
	by := ByLead
	if f.self {
		by = ByWorker
	}
	if f.rework {
		f.rework = false
		l.act(l.end(category.Verify, l.p(lateVerify)), ByHolder, event.Rework, l.pick(reworkNotes))
		l.late = true
		if f.stall == stallAfterRework {
			f.stall = stallNoFeedback
		}
		if !l.handle(by, f) {
			return
		}
	}
	l.act(l.end(category.Verify, l.p(lateVerify)), ByHolder, event.Verify, l.pick(verifyNotes))
	if l.openUntil.IsZero() {
		l.openUntil = l.t
	}
	if !f.rated {
		return
	}
	f.rated = false
	rng, cal := l.rng, l.g.cal
	rating := "satisfied"
	unsatisfied, basic := unsatisfiedOnTime, basicOnTime
	if l.late {
		unsatisfied, basic = unsatisfiedLate, basicLate
	}
	switch u := rng.Float64(); {
	case u < unsatisfied:
		rating = "unsatisfied"
	case u < unsatisfied+basic:
		rating = "basic"
	}
	// Residents rate in the app within hours or days, the center calls
	// back in working time.
	by, at := ByHolder, cal.AddWorkingDuration(l.t, (30*time.Minute+time.Duration(rng.Float64()*float64(8*time.Hour))).Truncate(time.Second))
	if f.source == srcResident {
		by, at = ByReporter, l.t.Add((10*time.Minute + time.Duration(min(rng.ExpFloat64(), 12)*float64(10*time.Hour))).Truncate(time.Second))
		if h := at.Hour(); h < 7 {
			// Not in the small hours: when they wake up.
			at = at.Add(time.Duration(7-h)*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		}
	}
	l.act(at, by, event.Rate, ratingNotes[rating]).Input.Rating = rating
	if rating != "unsatisfied" || rng.Float64() >= reopenShare {
		return
	}
	l.act(cal.AddWorkingDuration(l.t, (30*time.Minute+time.Duration(rng.Float64()*float64(6*time.Hour))).Truncate(time.Second)),
		ByHolder, event.Reopen, reopenNote)
	*f = fate{source: f.source, self: f.self}
	if l.route(f) {
		l.close(f)
	}
}
