package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/tabular"
)

// Kind names what an import file holds.
type Kind string

const (
	Persons Kind = "persons"
	Houses  Kind = "houses"
)

// ParseKind accepts persons or houses.
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case Persons, Houses:
		return Kind(s), nil
	}
	return "", fmt.Errorf("want persons or houses, got %q", s)
}

// The columns of the import templates, Chinese first; clerks' files may use
// either language.
var personFields = []tabular.Field{
	{Name: "name", Aliases: []string{"姓名"}, Required: true},
	{Name: "id_number", Aliases: []string{"身份证号", "身份证号码", "证件号码"}, Required: true},
	{Name: "phone", Aliases: []string{"联系电话", "电话", "手机号"}},
	{Name: "house_code", Aliases: []string{"房屋编码"}},
	{Name: "house_relation", Aliases: []string{"房屋关系"}},
	{Name: "residence_type", Aliases: []string{"人口类型"}},
	{Name: "tags", Aliases: []string{"标签", "特殊人群"}},
	{Name: "grid_code", Aliases: []string{"网格编码"}},
	{Name: "household_no", Aliases: []string{"户号"}},
	{Name: "relation", Aliases: []string{"与户主关系"}},
}

var houseFields = []tabular.Field{
	{Name: "house_code", Aliases: []string{"房屋编码"}, Required: true},
	{Name: "address", Aliases: []string{"地址"}},
	{Name: "lng", Aliases: []string{"经度"}},
	{Name: "lat", Aliases: []string{"纬度"}},
	{Name: "crs", Aliases: []string{"坐标系"}},
	{Name: "usage", Aliases: []string{"用途", "房屋用途"}},
	{Name: "estate", Aliases: []string{"小区"}},
	{Name: "building", Aliases: []string{"楼栋"}},
	{Name: "unit", Aliases: []string{"单元"}},
	{Name: "room", Aliases: []string{"户", "门牌号", "室"}},
	{Name: "grid_code", Aliases: []string{"网格编码"}},
	{Name: "structure", Aliases: []string{"结构", "房屋结构"}},
	{Name: "floor_area_m2", Aliases: []string{"面积", "建筑面积"}},
}

// Chinese names of coded values, so that clerks can type what they know.
var chineseValues = map[string]string{
	"自住": "self_occupied", "出租": "rented", "空置": "vacant", "商用": "commercial", "混合": "mixed", "其他": "other",
	"户籍": "registered", "常住": "resident", "流动": "floating", "境外": "foreign",
	"户主": "head", "配偶": "spouse", "子女": "child", "父母": "parent", "孙辈": "grandchild", "祖父母": "grandparent",
	"兄弟姐妹": "sibling", "姻亲": "in_law",
	"居住": "lives", "产权": "owns", "拥有": "owns", "租住": "rents", "租赁": "rents",
	"独居老人": "elderly_alone", "空巢老人": "empty_nest", "孤寡老人": "widowed_childless", "残疾人": "disabled",
	"低保户": "low_income", "留守儿童": "left_behind_child", "严重精神障碍患者": "key_mental_disorder",
	"社区戒毒人员": "key_drug_rehab", "社区矫正对象": "key_community_correction", "刑满释放人员": "key_released_prisoner",
	"重点信访人员": "key_petitioner",
}

// Choice is a column of coded values as a refusal lists them: Codes in
// the order the refusal gives them and, for each, the Chinese names the
// import accepts, so that a refusal can be worded in the names clerks type.
type Choice struct {
	Column string     // the field, e.g. "usage"
	Label  string     // its Chinese column name, e.g. "用途"
	Codes  []string   // e.g. "self_occupied"
	Names  [][]string // Names[i] are the Chinese names of Codes[i], sorted
}

// Choices returns the coded columns of the import files.
func Choices() []Choice {
	label := func(fields []tabular.Field, name string) string {
		for _, f := range fields {
			if f.Name == name {
				return f.Aliases[0]
			}
		}
		return name
	}
	choice := func(fields []tabular.Field, column string, codes []string) Choice {
		c := Choice{Column: column, Label: label(fields, column), Codes: codes, Names: make([][]string, len(codes))}
		for i, cd := range codes {
			for zh, v := range chineseValues {
				if v == cd {
					c.Names[i] = append(c.Names[i], zh)
				}
			}
			slices.Sort(c.Names[i])
		}
		return c
	}
	return []Choice{
		choice(houseFields, "usage", asStrings(usages)),
		choice(personFields, "residence_type", asStrings(residenceTypes)),
		choice(personFields, "relation", slices.Clone(relations)),
		choice(personFields, "house_relation", slices.Clone(houseLinks)),
		choice(personFields, "tags", slices.Clone(knownTags)),
	}
}

func asStrings[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

func code(v string) string {
	v = strings.TrimSpace(v)
	if c, ok := chineseValues[v]; ok {
		return c
	}
	return strings.ToLower(v)
}

// Template returns the header and an example row of an import template.
func Template(kind Kind) [][]string {
	if kind == Houses {
		return [][]string{
			{"房屋编码", "地址", "经度", "纬度", "坐标系", "用途", "小区", "楼栋", "单元", "户", "网格编码", "结构", "面积"},
			{"H230602001-0001", "萨尔图区友谊路1号3栋2单元501", "125.0331", "46.5868", "wgs84", "自住", "友谊小区", "3", "2", "501", "", "砖混", "86.5"},
		}
	}
	return [][]string{
		{"姓名", "身份证号", "联系电话", "房屋编码", "房屋关系", "人口类型", "标签", "网格编码", "户号", "与户主关系"},
		{"张三", "11010519491231002X", "13812345678", "H230602001-0001", "居住", "户籍", "独居老人", "", "", "户主"},
	}
}

// RowError is one rejected row of an import, worded for the clerk; Value is
// masked when the column holds a personal number.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Rejected  []RowError `json:"rejected"`
	// Stored is false when an all-or-nothing import was refused as a whole.
	Stored bool `json:"stored"`
}

// ImportOptions tune Import.
type ImportOptions struct {
	AllOrNothing bool
	Source       string
	// BatchRows rows are checked and stored together (default 10,000).
	BatchRows int
	// CommitRows rows, in whole batches, are committed together (default
	// 50,000), or fewer when storing them takes longer than CommitAfter
	// (default one second), for other writers wait meanwhile. A crash loses
	// at most the rows in flight, and re-running the file skips what was
	// stored (unchanged). Fewer commits write the pages of the random
	// ID-number index less often.
	CommitRows  int
	CommitAfter time.Duration
	Progress    func(rows int)
}

// Import reads a registry file row by row and upserts each row by its natural
// key (ID number, house code). Good rows are stored and every bad row is
// reported, unless AllOrNothing, when one bad row refuses the file.
func (s *Service) Import(ctx context.Context, p auth.Principal, kind Kind, r tabular.Reader, opts ImportOptions) (ImportReport, error) {
	if err := s.requireWrite(p); err != nil {
		return ImportReport{}, err
	}
	fields := personFields
	if kind == Houses {
		fields = houseFields
	}
	cols, err := tabular.MapHeader(r.Header(), fields)
	var herr *tabular.HeaderError
	if errors.As(err, &herr) && len(herr.Missing)+len(herr.Duplicate) == 0 {
		err = nil // extra columns are ignored
	}
	if err != nil {
		return ImportReport{}, apperr.Field("file", err.Error())
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 10000
	}
	if opts.CommitRows <= 0 {
		opts.CommitRows = 50000
	}
	if opts.CommitAfter <= 0 {
		opts.CommitAfter = time.Second
	}
	now := audit.Canonical(s.now())
	im := &importer{s: s, p: p, kind: kind, cols: cols, opts: opts, now: now, stamp: s.db.Stamp(now), scope: p.User.Scope(), binds: bindsFor(s.db),
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, seen: map[naturalKey]int32{}, grids: map[string]gridPath{},
		rep: ImportReport{Rejected: []RowError{}}}
	bulkDone, err := s.db.BulkWrites(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	// Deferred first, so run last: after the indexes are built again.
	defer func() {
		if err := bulkDone(); err != nil {
			slog.Default().LogAttrs(ctx, slog.LevelWarn, "after an import", slog.Any("err", err))
		}
	}()
	dropped := false
	if kind == Persons && !opts.AllOrNothing {
		if dropped, err = s.dropDeferredIndexes(ctx); err != nil {
			return ImportReport{}, err
		}
		im.firstLoad = dropped
		if dropped {
			// Built again however the import ends; a crash leaves it to
			// EnsureIndexes at the next start or the next person stored.
			defer func() {
				if err := s.EnsureIndexes(context.WithoutCancel(ctx)); err != nil {
					slog.Default().LogAttrs(ctx, slog.LevelError, "rebuilding the persons indexes failed", slog.Any("err", err))
				}
			}()
		}
	}
	if !dropped {
		if err := s.EnsureIndexes(ctx); err != nil {
			return ImportReport{}, err
		}
	}
	// Not for an all-or-nothing import: its one transaction cannot be
	// stored again after a unique violation.
	if kind == Houses && !opts.AllOrNothing {
		if im.freshHouses, err = isEmpty(ctx, s.db.Read(), "houses"); err != nil {
			return ImportReport{}, err
		}
	}
	rep, err := im.run(ctx, r)
	if err != nil {
		return ImportReport{}, err
	}
	// The load may have ended as any import (im.firstLoad cleared) when
	// another writer built the unique index; the other indexes it dropped
	// are still to build.
	if dropped {
		if err := s.EnsureIndexes(ctx); err != nil {
			return ImportReport{}, fmt.Errorf("import: %w", err)
		}
	}
	if opts.AllOrNothing && len(rep.Rejected) > 0 {
		return rep, nil
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, im.now, audit.Record{Actor: p.Actor(), Action: "registry.import", TargetType: string(kind),
			Detail: map[string]any{"source": opts.Source, "rows": rep.Rows, "created": rep.Created, "updated": rep.Updated,
				"unchanged": rep.Unchanged, "rejected": len(rep.Rejected)}})
		return err
	})
	if err != nil {
		return ImportReport{}, err
	}
	if rep.Created+rep.Updated > 0 {
		// The rows may lie anywhere in the importer's scope.
		s.published(ctx, orDefault(im.scope.Path(), "/"))
	}
	rep.Stored = true
	return rep, nil
}

// columnOf maps an error's field (which may be "houses[0].house_code") to
// the file column it came from.
func columnOf(field string) string {
	switch {
	case strings.HasPrefix(field, "houses["):
		if strings.HasSuffix(field, ".relation") {
			return "house_relation"
		}
		return "house_code"
	case strings.HasPrefix(field, "tags["):
		return "tags"
	}
	return field
}

// cellOf is the cell the clerk typed for an error's field.
func cellOf(cols tabular.Columns, row tabular.Row, field string) string {
	return cols.Get(row, columnOf(field))
}

// parseHouseRow reads and checks a house row; a refusal is an
// *apperr.Error naming the field.
func (s *Service) parseHouseRow(cols tabular.Columns, row tabular.Row) (House, error) {
	get := func(f string) string { return strings.TrimSpace(cols.Get(row, f)) }
	h := House{Code: get("house_code"), Address: get("address"), Usage: Usage(code(get("usage"))), Estate: get("estate"),
		Building: get("building"), Unit: get("unit"), Room: get("room"), GridCode: get("grid_code"), Structure: get("structure")}
	if a := get("floor_area_m2"); a != "" {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return House{}, apperr.Field("floor_area_m2", "must be a number of square metres")
		}
		h.FloorAreaM2 = &v
	}
	if lng, lat := get("lng"), get("lat"); lng != "" || lat != "" {
		// A lone number is half a point, not a bad one: the refusal says
		// the pair goes together, under the column left empty.
		switch {
		case lat == "":
			return House{}, apperr.Field("lat", "longitude and latitude go together: give both or neither")
		case lng == "":
			return House{}, apperr.Field("lng", "longitude and latitude go together: give both or neither")
		}
		crs, err := geo.ParseCRS(orDefault(get("crs"), "wgs84"))
		if err != nil {
			return House{}, apperr.Field("crs", err.Error())
		}
		x, err1 := strconv.ParseFloat(lng, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if err1 != nil {
			return House{}, apperr.Field("lng", "must be a number")
		}
		if err2 != nil {
			return House{}, apperr.Field("lat", "must be a number")
		}
		if err := geo.ValidatePoint(x, y, crs); err != nil {
			// Filed under the column at fault; a pair refused as a whole
			// (outside China in GCJ-02) under the first of the two.
			field := "lng"
			var pe *geo.PointError
			if errors.As(err, &pe) && pe.Axis == "lat" {
				field = "lat"
			}
			return House{}, apperr.Field(field, err.Error())
		}
		g, err := geo.ToWGS84(crs, orb.Point{x, y})
		if err != nil {
			return House{}, apperr.Field("lng", err.Error())
		}
		pt := g.(orb.Point)
		h.Location = &pt
	}
	if err := s.checkHouse(&h); err != nil {
		return House{}, err
	}
	return h, nil
}

// parsePersonRow reads and checks a person row.
func (s *Service) parsePersonRow(cols tabular.Columns, row tabular.Row) (validated, error) {
	get := func(f string) string { return strings.TrimSpace(cols.Get(row, f)) }
	in := PersonInput{Name: get("name"), IDNumber: get("id_number"), Phone: get("phone"),
		ResidenceType: ResidenceType(code(get("residence_type"))), GridCode: get("grid_code"),
		HouseholdNo: get("household_no"), Relation: code(get("relation"))}
	if hc := get("house_code"); hc != "" {
		in.Houses = []HouseLink{{HouseCode: hc, Relation: orDefault(code(get("house_relation")), "lives")}}
	}
	for _, t := range strings.FieldsFunc(get("tags"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == ' ' }) {
		in.Tags = append(in.Tags, Tag{Tag: code(t)})
	}
	return s.validate(in)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// WriteRowErrors writes an error report: one line per rejected row.
func WriteRowErrors(w tabular.Writer, rows []RowError) error {
	if err := w.Write([]string{"行号 row", "列 column", "值 value", "原因 reason"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Write([]string{strconv.Itoa(r.Row), r.Column, r.Value, r.Reason}); err != nil {
			return err
		}
	}
	return nil
}
