package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/internal/workforce"
)

// WorkforceSize sizes a demo city's workforce. Workers are one full-time
// worker per grid, bar a few grids left unstaffed on purpose, and
// part-time workers beside them for the rest; Police community officers
// each serve a run of neighbouring grids, and Members are the other
// members of the 1+1+N teams (department staff, mediators, volunteers).
type WorkforceSize struct {
	Workers, Police, Members int
}

// DemoPassword is the password of every demo worker account. Demo data
// only: a real deployment creates its accounts with `gridgov user add`.
const DemoPassword = "Gridgov-demo-2026"

// WorkerUsername is the account of the full-time worker of a grid; the
// part-time worker of the grid is the same with "-2".
func WorkerUsername(gridCode string) string { return "worker-" + gridCode }

// Household is a house of a grid with the persons registered in it, as
// stored by the registry; visits go to them.
type Household struct {
	HouseCode string
	Lng, Lat  *float64
	Persons   []int64
}

// WorkforceOptions are what a demo workforce depends on besides the city.
type WorkforceOptions struct {
	// Today is any moment of the day the load runs; the workforce covers
	// the 30 days before it, in the zone of Calendar.
	Today time.Time
	// Calendar says which days are working days (nil: workcal.Default()).
	Calendar *workcal.Calendar
	// PasswordHash is DemoPassword hashed once for every account.
	PasswordHash string
	// Households are the visitable houses of each grid; grids without
	// any get no visits.
	Households map[string][]Household
}

// Workforce is a demo city's workforce for a month: what workforce.LoadBulk
// stores, the device keys that sign as the workers' phones, and the few
// visits that raise an event, which go through the worker app's path.
type Workforce struct {
	Bulk    workforce.Bulk
	Keys    []ed25519.PrivateKey
	Raising []RaisingVisit
	// Days are the days covered, oldest first.
	Days []workcal.Date
}

// RaisingVisit is a visit that reports an event as it is recorded.
type RaisingVisit struct {
	Worker int
	Key    string
	At     time.Time
	Input  workforce.VisitInput
}

// Demo workforce shape.
const (
	workforceDays   = 30 // check-ins and visits
	patrolDays      = 7  // patrol tracks
	unstaffedPerMil = 4  // grids without a worker, per thousand
	attendance      = 0.95
	leaveShare      = 0.05
	raiseShare      = 0.012 // of visits
	proxyShare      = 0.08
	pointEvery      = time.Minute
	batchPoints     = 10
)

var visitPurposes = []struct {
	purpose string
	weight  int
	notes   []string
}{
	{"elderly_care", 35, []string{"独居老人身体状况良好，已提醒冬季用电安全", "了解老人近期就医需求，留下联系电话", "协助老人预约社区体检"}},
	{"rental_check", 25, []string{"核实出租房屋租客信息，已登记", "出租屋消防通道畅通，灭火器在有效期内", "提醒房东签订治安责任书"}},
	{"dispute", 10, []string{"邻里因噪音产生矛盾，已现场调解", "楼道堆物引发纠纷，双方达成一致", "物业费争议，已转社区调解员跟进"}},
	{"campaign_task", 20, []string{"反诈宣传入户，已发放宣传单", "燃气安全排查，未发现隐患", "人口信息核查，信息准确"}},
	{"other", 10, []string{"走访了解居民诉求", "入户宣传垃圾分类", "核实房屋使用情况"}},
}

var raiseCategories = map[string][2]string{
	"dispute":      {"dispute.neighbour", "邻里纠纷需调解"},
	"rental_check": {"city_appearance.exposed_garbage", "楼道垃圾堆放"},
	"elderly_care": {"livelihood.water", "老人家中停水"},
	"other":        {"city_appearance.road_damage", "小区道路破损"},
}

var proxyKinds = []string{"social_security", "medical_insurance", "pension", "subsidy", "certificate", "household_registration"}

var leaveKinds = []struct {
	kind   string
	weight int
}{{"annual", 50}, {"sick", 30}, {"personal", 15}, {"training", 5}}

// staffGrid is a grid with its boundary and the departments near it.
type staffGrid struct {
	r     *region.Region
	depts []string
}

// NewWorkforce draws the workforce of a city for the month before
// wo.Today. It is deterministic: the same city, preset, seed and options
// give the same workforce, so an interrupted load resumes with the same
// records and their idempotency keys.
func NewWorkforce(c City, p Preset, o Options, wo WorkforceOptions) Workforce {
	cal := wo.Calendar
	if cal == nil {
		cal = workcal.Default()
	}
	loc := cal.Location()
	today := workcal.DateOf(wo.Today.In(loc))
	var out Workforce
	for i := workforceDays; i >= 1; i-- {
		out.Days = append(out.Days, today.AddDays(-i))
	}
	start := at(loc, out.Days[0].AddDays(-10), 9, 0)
	var grids []staffGrid
	deptsBy := map[string][]string{}
	for _, d := range Departments(c, p) {
		deptsBy[d.RegionCode] = append(deptsBy[d.RegionCode], d.Code)
	}
	for i := range c.Regions {
		r := &c.Regions[i]
		if r.Level != region.Grid {
			continue
		}
		g := staffGrid{r: r}
		codes := strings.Split(strings.Trim(r.Path, "/"), "/")
		for k := len(codes) - 1; k >= 0 && len(g.depts) == 0; k-- {
			g.depts = deptsBy[codes[k]]
		}
		grids = append(grids, g)
	}
	rng := rand.New(rand.NewPCG(o.Seed, mix(hashString("workforce"))))
	size := p.Workforce
	unstaffed := map[int]bool{}
	if size.Workers > 0 {
		for n := max(1, len(grids)*unstaffedPerMil/1000); len(unstaffed) < n; {
			unstaffed[rng.IntN(len(grids))] = true
		}
	}
	// Full-time workers first, one per staffed grid, then part-time ones on
	// grids drawn among the staffed.
	type slot struct {
		grid     int
		fullTime bool
	}
	var slots []slot
	for i := range grids {
		if !unstaffed[i] && len(slots) < size.Workers {
			slots = append(slots, slot{i, true})
		}
	}
	second := map[int]bool{}
	for len(slots) < size.Workers && len(second) < len(grids)-len(unstaffed) {
		g := rng.IntN(len(grids))
		if unstaffed[g] || second[g] {
			continue
		}
		second[g] = true
		slots = append(slots, slot{g, false})
	}
	// Each worker draws from a stream of their own, so the workers are drawn
	// in parallel and joined in order.
	parts := make([]Workforce, len(slots))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, runtime.NumCPU()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				parts[i] = drawWorker(i, grids[slots[i].grid].r, slots[i].fullTime, o.Seed, start, out.Days, cal, loc, wo)
			}
		}()
	}
	for i := range slots {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, part := range parts {
		out.Keys = append(out.Keys, part.Keys...)
		out.Bulk.Workers = append(out.Bulk.Workers, part.Bulk.Workers...)
		out.Bulk.Leave = append(out.Bulk.Leave, part.Bulk.Leave...)
		out.Bulk.Checks = append(out.Bulk.Checks, part.Bulk.Checks...)
		out.Bulk.Patrols = append(out.Bulk.Patrols, part.Bulk.Patrols...)
		out.Bulk.Visits = append(out.Bulk.Visits, part.Bulk.Visits...)
		out.Raising = append(out.Raising, part.Raising...)
	}
	drawTeams(&out, grids, size, o.Seed, start)
	return out
}

// drawWorker draws worker i of grid g with their month.
func drawWorker(i int, g *region.Region, fullTime bool, seed uint64, start time.Time, days []workcal.Date, cal *workcal.Calendar,
	loc *time.Location, wo WorkforceOptions) Workforce {
	user := WorkerUsername(g.Code)
	emp := workforce.FullTime
	if !fullTime {
		user += "-2"
		emp = workforce.PartTime
	}
	wr := rand.New(rand.NewPCG(seed, mix(hashString(user))))
	key := DeviceKey(seed, user)
	hire := start.AddDate(-1-wr.IntN(9), -wr.IntN(12), -wr.IntN(28))
	part := Workforce{Days: days, Keys: []ed25519.PrivateKey{key}}
	part.Bulk.Workers = []workforce.BulkWorker{{
		Input: workforce.WorkerInput{Name: personName(wr), Phone: mobile(wr), Employment: emp, HireDate: hire.Format(time.DateOnly),
			Grids: []workforce.GridAssignment{{GridCode: g.Code, Primary: true, GridChief: fullTime}}},
		Username: user, PasswordHash: wo.PasswordHash, DeviceID: "demo-" + strings.TrimPrefix(user, "worker-"),
		PublicKey: key.Public().(ed25519.PublicKey), At: start,
	}}
	drawMonth(&part, i, g, wr, fullTime, cal, loc, wo.Households[g.Code])
	return part
}

// DeviceKey is the Ed25519 key of a demo worker's phone, from the seed and
// the account, so that tools and tests can sign as the phone.
func DeviceKey(seed uint64, username string) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte("gridgov demo device key\x00"))
	_ = binary.Write(h, binary.BigEndian, seed)
	h.Write([]byte(username))
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

func at(loc *time.Location, d workcal.Date, hour, minute int) time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, hour, minute, 0, 0, loc)
}

// drawMonth draws a worker's leave, check-ins, patrols and visits.
func drawMonth(out *Workforce, w int, g *region.Region, rng *rand.Rand, fullTime bool, cal *workcal.Calendar, loc *time.Location, homes []Household) {
	var workdays []workcal.Date
	for _, d := range out.Days {
		if cal.IsWorkday(d) {
			workdays = append(workdays, d)
		}
	}
	if len(workdays) == 0 {
		return
	}
	onLeave := map[workcal.Date]bool{}
	if rng.Float64() < leaveShare {
		first := rng.IntN(len(workdays))
		last := min(len(workdays)-1, first+rng.IntN(4))
		for _, d := range workdays[first : last+1] {
			onLeave[d] = true
		}
		kind := weighted(rng, leaveKinds, func(k struct {
			kind   string
			weight int
		}) int {
			return k.weight
		}).kind
		out.Bulk.Leave = append(out.Bulk.Leave, workforce.BulkLeave{Worker: w, At: at(loc, workdays[first].AddDays(-1), 10, 0),
			Input: workforce.LeaveInput{Kind: kind, From: workdays[first].String(), To: workdays[last].String(), Note: "演示数据"}})
	}
	// A worker's own habit: most are nearly always there, a few less so.
	rate := attendance + 0.02
	if rng.IntN(10) == 0 {
		rate = attendance - 0.15
	}
	var attended []workcal.Date
	checkIn := map[workcal.Date]time.Time{}
	for _, d := range workdays {
		if onLeave[d] || rng.Float64() >= rate {
			continue
		}
		attended = append(attended, d)
		in := at(loc, d, 8, 0).Add(time.Duration(12*60+clampNorm(rng, 0, 10*60, -30*60, 60*60)) * time.Second)
		checkIn[d] = in
		pt := insidePoint(g.Boundary, rng)
		acc := float64(5 + rng.IntN(25))
		out.Bulk.Checks = append(out.Bulk.Checks, workforce.BulkCheck{Worker: w, Kind: workforce.CheckIn, At: in, Lng: pt[0], Lat: pt[1],
			AccuracyM: &acc, Key: "check-in-" + d.String()})
		if rng.IntN(100) < 2 {
			continue // forgot to check out
		}
		outAt := at(loc, d, 17, 45).Add(time.Duration(clampNorm(rng, 0, 6*60, -45*60, 110*60)) * time.Second)
		pt = insidePoint(g.Boundary, rng)
		acc2 := float64(5 + rng.IntN(25))
		out.Bulk.Checks = append(out.Bulk.Checks, workforce.BulkCheck{Worker: w, Kind: workforce.CheckOut, At: outAt, Lng: pt[0], Lat: pt[1],
			AccuracyM: &acc2, Key: "check-out-" + d.String()})
	}
	// Patrols on attended days of the last week.
	var recent []workcal.Date
	for _, d := range attended {
		if d.Compare(out.Days[len(out.Days)-patrolDays]) >= 0 {
			recent = append(recent, d)
		}
	}
	rng.Shuffle(len(recent), func(i, j int) { recent[i], recent[j] = recent[j], recent[i] })
	n := min(len(recent), 3+rng.IntN(3))
	if !fullTime {
		n = min(len(recent), 1+rng.IntN(2))
	}
	for k := 0; k < n; k++ {
		d := recent[k]
		begin := at(loc, d, 9, 0).Add(time.Duration(rng.IntN(6*60)) * time.Minute)
		out.Bulk.Patrols = append(out.Bulk.Patrols, patrol(w, g.Boundary, rng, begin, "patrol-"+d.String()))
	}
	// Visits on attended days.
	if len(homes) == 0 || len(attended) == 0 {
		return
	}
	visits := 8 + rng.IntN(7)
	if !fullTime {
		visits = 3 + rng.IntN(4)
	}
	for k := 0; k < visits; k++ {
		d := attended[rng.IntN(len(attended))]
		when := checkIn[d].Add(40*time.Minute + time.Duration(rng.IntN(6*60))*time.Minute)
		h := homes[rng.IntN(len(homes))]
		pu := weighted(rng, visitPurposes, func(v struct {
			purpose string
			weight  int
			notes   []string
		}) int {
			return v.weight
		})
		in := workforce.VisitInput{HouseCode: h.HouseCode, Purpose: pu.purpose, Notes: pu.notes[rng.IntN(len(pu.notes))], PersonIDs: []int64{}}
		if len(h.Persons) > 0 {
			met := min(len(h.Persons), rng.IntN(3))
			in.PersonIDs = append(in.PersonIDs, h.Persons[:met]...)
		}
		if h.Lng != nil && h.Lat != nil {
			lng, lat := *h.Lng, *h.Lat
			in.Lng, in.Lat = &lng, &lat
		}
		if rng.Float64() < proxyShare {
			ps := workforce.ProxyInput{Kind: proxyKinds[rng.IntN(len(proxyKinds))], Status: []string{"accepted", "in_progress", "done"}[rng.IntN(3)]}
			if len(h.Persons) > 0 {
				id := h.Persons[0]
				ps.ForPersonID = &id
			} else {
				ps.ForName = personName(rng)
			}
			in.ProxyServices = []workforce.ProxyInput{ps}
		}
		key := fmt.Sprintf("visit-%s-%d", d, k)
		if cat, ok := raiseCategories[pu.purpose]; ok && rng.Float64() < raiseShare {
			in.RaiseEvent = &workforce.RaiseEvent{CategoryCode: cat[0], Title: cat[1], Description: "走访中发现：" + in.Notes}
			out.Raising = append(out.Raising, RaisingVisit{Worker: w, Key: key, At: when, Input: in})
			continue
		}
		out.Bulk.Visits = append(out.Bulk.Visits, workforce.BulkVisit{Worker: w, Key: key, At: when, Input: in})
	}
}

// patrol walks a grid for 40–80 minutes, a fix a minute, at walking
// pace, turning back at the edge, uploaded ten fixes at a time.
func patrol(w int, mp orb.MultiPolygon, rng *rand.Rand, begin time.Time, key string) workforce.BulkPatrol {
	pt := insidePoint(mp, rng)
	bp := workforce.BulkPatrol{Worker: w, Key: key, At: begin, Lng: pt[0], Lat: pt[1]}
	heading := rng.Float64() * 2 * math.Pi
	points := 40 + rng.IntN(41)
	var batch workforce.BulkBatch
	t := begin.Add(20 * time.Second)
	for i := 0; i < points; i++ {
		acc := float64(4 + rng.IntN(16))
		batch.Points = append(batch.Points, workforce.BulkFix{Lng: round6(pt[0]), Lat: round6(pt[1]), At: t, AccuracyM: &acc})
		if len(batch.Points) == batchPoints || i == points-1 {
			batch.At = t.Add(5 * time.Second)
			batch.Key = fmt.Sprintf("%s-b%d", key, len(bp.Batches)+1)
			bp.Batches = append(bp.Batches, batch)
			batch = workforce.BulkBatch{}
		}
		t = t.Add(pointEvery)
		step := 50 + rng.Float64()*25
		heading += (rng.Float64() - 0.5) * math.Pi / 3
		for try := 0; try < 8; try++ {
			next := move(pt, heading, step)
			if planar.MultiPolygonContains(mp, next) {
				pt = next
				break
			}
			heading += math.Pi/2 + rng.Float64()*math.Pi/2
		}
	}
	bp.Finish = t.Add(-pointEvery + 30*time.Second)
	return bp
}

func move(p orb.Point, heading, metres float64) orb.Point {
	const mPerDeg = 111320.0
	return orb.Point{p[0] + metres*math.Sin(heading)/(mPerDeg*math.Cos(p[1]*math.Pi/180)), p[1] + metres*math.Cos(heading)/mPerDeg}
}

// insidePoint draws a point inside a grid, six decimals as a phone sends.
func insidePoint(mp orb.MultiPolygon, rng *rand.Rand) orb.Point {
	b := mp.Bound()
	for try := 0; try < 200; try++ {
		p := orb.Point{round6(b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0])), round6(b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]))}
		if planar.MultiPolygonContains(mp, p) {
			return p
		}
	}
	return interiorPoint(mp)
}

// clampNorm is a normal draw in seconds, clamped.
func clampNorm(rng *rand.Rand, mean, sd, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, mean+sd*rng.NormFloat64()))
}

func weighted[T any](rng *rand.Rand, xs []T, weight func(T) int) T {
	total := 0
	for _, x := range xs {
		total += weight(x)
	}
	n := rng.IntN(total)
	for _, x := range xs {
		if n < weight(x) {
			return x
		}
		n -= weight(x)
	}
	return xs[0]
}

// personName draws a name of a working-age adult.
func personName(rng *rand.Rand) string {
	total := 0
	for _, s := range surnames {
		total += s.per
	}
	x := rng.IntN(total)
	name := surnames[0].name
	for _, s := range surnames {
		if x < s.per {
			name = s.name
			break
		}
		x -= s.per
	}
	pool := givenChars[1+rng.IntN(2)][rng.IntN(2)]
	name += pool[rng.IntN(len(pool))]
	if rng.IntN(100) < 72 {
		name += pool[rng.IntN(len(pool))]
	}
	return name
}

func mobile(rng *rand.Rand) string {
	prefixes := []string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "155", "158", "159", "177", "180", "186", "187", "188", "189"}
	return prefixes[rng.IntN(len(prefixes))] + fmt.Sprintf("%08d", rng.IntN(100_000_000))
}

// drawTeams gives every grid a community police officer (each officer
// serving a run of neighbouring grids) and the N others.
func drawTeams(out *Workforce, grids []staffGrid, size WorkforceSize, seed uint64, when time.Time) {
	if len(grids) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, mix(hashString("teams"))))
	if size.Police > 0 {
		per := float64(len(grids)) / float64(size.Police)
		officer, name, phone := -1, "", ""
		for i, g := range grids {
			if k := int(float64(i) / per); k != officer {
				officer, name, phone = k, personName(rng), mobile(rng)
			}
			out.Bulk.Members = append(out.Bulk.Members, workforce.BulkMember{GridCode: g.r.Code, At: when,
				Input: workforce.MemberInput{Role: workforce.RolePolice, Name: name, Phone: phone, Note: "社区民警 警号" + strconv.Itoa(100000+officer)}})
		}
	}
	per := size.Members / len(grids)
	extra := size.Members - per*len(grids)
	for i, g := range grids {
		n := per
		if i < extra {
			n++
		}
		for k := 0; k < n; k++ {
			m := workforce.MemberInput{Name: personName(rng)}
			if rng.IntN(10) < 8 {
				m.Phone = mobile(rng)
			}
			switch x := rng.IntN(10); {
			case x < 3 && len(g.depts) > 0:
				m.Role, m.DepartmentCode = workforce.RoleDepartmentStaff, g.depts[rng.IntN(len(g.depts))]
			case x < 5:
				m.Role, m.Note = workforce.RoleMediator, "人民调解员"
			default:
				m.Role, m.Note = workforce.RoleVolunteer, []string{"楼长", "平安志愿者", "党员志愿者", "网格信息员"}[rng.IntN(4)]
			}
			out.Bulk.Members = append(out.Bulk.Members, workforce.BulkMember{GridCode: g.r.Code, At: when, Input: m})
		}
	}
}

// LoadHouseholds reads up to perGrid houses of each grid with the persons
// registered in them, for the visits of NewWorkforce. q is a pool: the
// grids are read by a few goroutines at once.
func LoadHouseholds(ctx context.Context, q db.Querier, c City, perGrid int) (map[string][]Household, error) {
	var grids []*region.Region
	for i := range c.Regions {
		if c.Regions[i].Level == region.Grid {
			grids = append(grids, &c.Regions[i])
		}
	}
	const readers = 4
	parts := make([]map[string][]Household, readers)
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for k := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[k] = map[string][]Household{}
			for i := k; i < len(grids) && errs[k] == nil; i += readers {
				hs, err := householdsOf(ctx, q, grids[i], perGrid)
				if len(hs) > 0 {
					parts[k][grids[i].Code] = hs
				}
				errs[k] = err
			}
		}()
	}
	wg.Wait()
	out := map[string][]Household{}
	for k := range readers {
		if errs[k] != nil {
			return nil, errs[k]
		}
		for code, hs := range parts[k] {
			out[code] = hs
		}
	}
	return out, nil
}

func householdsOf(ctx context.Context, q db.Querier, r *region.Region, perGrid int) ([]Household, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.code, h.lng, h.lat FROM houses h WHERE h.region_path = $1 ORDER BY h.id LIMIT $2`, r.Path, perGrid)
	if err != nil {
		return nil, fmt.Errorf("houses of grid %s: %w", r.Code, err)
	}
	var ids []any
	at := map[int64]int{}
	var hs []Household
	for rows.Next() {
		var id int64
		var h Household
		if err := rows.Scan(&id, &h.HouseCode, &h.Lng, &h.Lat); err != nil {
			rows.Close()
			return nil, fmt.Errorf("houses of grid %s: %w", r.Code, err)
		}
		at[id] = len(hs)
		ids = append(ids, id)
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("houses of grid %s: %w", r.Code, err)
	}
	if len(hs) == 0 {
		return nil, nil
	}
	marks := make([]string, len(ids))
	for k := range marks {
		marks[k] = "$" + strconv.Itoa(k+2)
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT ph.house_id, ph.person_id FROM person_houses ph JOIN persons p ON p.id = ph.person_id
		WHERE p.grid_code = $1 AND ph.house_id IN (`+strings.Join(marks, ", ")+`) ORDER BY ph.house_id, ph.person_id`, append([]any{r.Code}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("persons of grid %s: %w", r.Code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var hid, pid int64
		if err := rows.Scan(&hid, &pid); err != nil {
			return nil, fmt.Errorf("persons of grid %s: %w", r.Code, err)
		}
		hs[at[hid]].Persons = append(hs[at[hid]].Persons, pid)
	}
	return hs, rows.Err()
}

// RecordRaising records the visits that raise an event the way the worker
// app does: a request signed by the worker's phone, verified, and stored
// by RecordVisit, which reports the event through the event service. set
// moves the clock both services read to each visit's moment. Visits stored
// by an earlier run are skipped.
func (wf *Workforce) RecordRaising(ctx context.Context, svc *workforce.Service, sink workforce.EventSink, set func(time.Time)) (int, error) {
	n := 0
	for _, rv := range wf.Raising {
		set(rv.At)
		bw := wf.Bulk.Workers[rv.Worker]
		body, err := json.Marshal(rv.Input)
		if err != nil {
			return n, err
		}
		const target = "/api/v1/workforce/device/visits"
		req := workforce.SignedRequest{Header: workforce.Sign(wf.Keys[rv.Worker], bw.DeviceID, rv.At, "POST", target, rv.Key, body),
			Method: "POST", Target: target, IdempotencyKey: rv.Key, Body: body}
		c, err := svc.Authenticate(ctx, req)
		if err != nil {
			return n, fmt.Errorf("visit %s of %s: %w", rv.Key, bw.Username, err)
		}
		_, err = svc.RecordVisit(ctx, c, rv.Input, sink)
		if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict && len(e.Fields) > 0 && e.Fields[0].Field == "Idempotency-Key" {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("visit %s of %s: %w", rv.Key, bw.Username, err)
		}
		n++
	}
	return n, nil
}

// WorkforceLoaded tells whether the demo workforce is stored, and the day
// an earlier (perhaps interrupted) load drew its month for, so that a
// resumed load draws the same month: zero when none began.
func WorkforceLoaded(ctx context.Context, q db.Querier) (today time.Time, loaded bool, err error) {
	var first *time.Time
	var n time.Time
	err = q.QueryRowContext(ctx, `SELECT bound_at FROM worker_devices WHERE device_id LIKE 'demo-%' ORDER BY id LIMIT 1`).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("demo workforce: %w", err)
	}
	first = &n
	// Workers are entered ten days before the month begins.
	today = first.Add(time.Duration(workforceDays+10) * 24 * time.Hour)
	var raised int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM visits WHERE event_id IS NOT NULL`).Scan(&raised); err != nil {
		return today, false, fmt.Errorf("demo workforce: %w", err)
	}
	return today, raised > 0, nil
}

// Clock is a settable clock, for replaying a month through services that
// read the time.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
