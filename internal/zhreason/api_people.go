package zhreason

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/registry"
)

// peopleAPI words the refusals of the registry API (人房) beyond the
// import's reasons in Entries, and those of accounts and sign-in, regions,
// the map and its imports, and the readers of coordinates and files they
// share. Region codes, grid codes and role codes are printed as they are.
//
// Numbers that count from 0 in the English (ring 0, coordinate 3) are
// given as they are, never as "第 N 个", which a clerk would count from 1.
var peopleAPI = slices.Concat([]Entry{
	// registry: rights, records and searches (houses.go, persons.go, search.go, import.go).
	{"person not found", "人员不存在"},
	{"you may not reveal personal numbers", "您无权查看完整的身份证号和电话号码"},
	{"state why you need the numbers (4-200 characters)", "请说明查看号码的理由（4 至 200 个字）"},
	{"you may not search by special-group tags", "您无权按特殊人群标签查询"},
	{"must be between 0 and 150", "须在 0 至 150 之间"},
	{"want persons or houses, got %q", "须为 persons（人口）或 houses（房屋），填写的是 %q"},

	// registry: the monthly sampling check (抽检) (sampling*.go, update.go).
	{"only a governance center may start a sampling check", "只有指挥中心可以发起抽检"},
	{"must be YYYY-MM", "须为月份，写作 年-月，如 2026-06"},
	{"is after this month, %s", "晚于本月（%s）"},
	{"must be between 1 and %d, or absent for a random one", "须在 1 至 %d 之间，不填则随机生成"},
	{"a sampling round of the month already covers this region", "本月已有抽检覆盖该区划"},
	{"%s already has a sampling round for %s", "区划 %s 已有 %s 的抽检"},
	{"%s already has a sampling round for %s (round %d)", "区划 %s 已有 %s 的抽检（抽检 %d）"},
	{"%s overlaps sampling round %d over %s for %s; a grid is checked by one round a month",
		"区划 %[1]s 与区划 %[3]s 的 %[4]s 抽检（抽检 %[2]d）重叠；每个网格每月只抽检一次"},
	{"sampling round not found", "抽检不存在"},
	{"sampling item not found", "抽检项不存在"},
	{"must be correct or incorrect", "须为 correct（正确）或 incorrect（有误）"},
	{"say what was wrong, or correct the record", "请说明哪里有误，或直接更正记录"},
	{"only an incorrect record is corrected", "只有有误的记录才需要更正"},
	{"correct the person or the house the item is about, not both", "请更正该抽检项对应的人员或房屋，不能同时更正"},
	{"this item was already checked (correct)", "该抽检项已核查（正确）"},
	{"this item was already checked (incorrect)", "该抽检项已核查（有误）"},
	{"this item is a house; correct it with house", "该抽检项是房屋；请用 house 更正"},
	{"this item is a person; correct it with person", "该抽检项是人员；请用 person 更正"},
	{"the correction changes nothing; send the fields that were wrong", "更正没有改动任何内容；请提交有误的字段"},
	{"the record was changed by someone else; reload and try again", "该记录已被他人修改；请刷新后重试"},
	{"is %d, the record is at %d", "您提交的版本为 %d，该记录当前版本为 %d"},

	// auth: signing in, sessions and two-factor login (service.go, resident.go).
	{"wrong username or password", "用户名或密码错误"},
	{"account disabled", "账号已停用"},
	{"only residents sign in with a phone code", "只有居民可以用手机验证码登录"},
	{"enter the 6-digit code from your authenticator app", "请输入身份验证器应用中的 6 位验证码"},
	{"the one-time code is wrong or was already used", "动态验证码错误或已被使用"},
	{"too many failed logins; try again in %d seconds", "登录失败次数过多；请 %d 秒后重试"},
	{"not logged in", "未登录"},
	{"session expired", "登录已过期"},
	{"session expired or logged out", "登录已过期或已退出"},
	{"two-factor login is already on for this account", "该账号已开启两步验证登录"},
	{"start enrolment first", "请先开始设置两步验证"},
	{"does not match; check the phone's clock and enter the current code", "验证码不符；请检查手机时间并输入当前的验证码"},

	// auth: passwords (password.go, service.go).
	{"is wrong", "不正确"},
	{"must differ from the current password", "不能与当前密码相同"},
	{"must be valid UTF-8", "须为有效的 UTF-8 文本"},
	{"must be at least %d characters", "至少 %d 个字符"},
	{"must be at most %d bytes", "最多 %d 字节"},
	{"must not contain the username", "不能包含用户名"},
	{"must mix at least three of: lower-case letters, upper-case letters, digits, symbols", "须至少包含小写字母、大写字母、数字、符号中的三种"},
	{"the account changed meanwhile; try again", "账号在此期间已被修改；请重试"},

	// auth: accounts (service.go, user.go, role.go).
	{"you may not manage accounts", "您无权管理账号"},
	{"username taken", "用户名已被占用"},
	{"you may only create accounts inside your own region", "您只能在本辖区内创建账号"},
	{"only a deployment-wide administrator may create department accounts", "只有全局管理员可以创建部门账号"},
	{"user not found", "用户不存在"},
	{"you may not change your own role or disable yourself", "不能修改自己的角色，也不能停用自己"},
	{"the account was changed by someone else; reload and try again", "该账号已被他人修改；请刷新后重试"},
	{"is %d, the account is at %d", "您提交的版本为 %d，该账号当前版本为 %d"},
	{"must be 2-64 characters: letters, digits, '.', '_', '@', '-', starting with a letter or digit",
		"须为 2 至 64 个字符：字母、数字、“.”、“_”、“@”、“-”，以字母或数字开头"},
	{"unknown role %q (want one of admin, center, department, worker, leader, resident)",
		"未知的角色 %q（须为 admin、center、department、worker、leader、resident 之一）"},
	{"a center account needs a region code", "指挥中心账号须填写区划代码"},
	{"a worker account needs a region code", "网格员账号须填写区划代码"},
	{"a leader account needs a region code", "领导账号须填写区划代码"},
	{"a department account needs a department code", "部门账号须填写部门编码"},
	{"resident accounts are not scoped to a region", "居民账号不设管辖区划"},

	// auth: the big screens (display.go).
	{"this screen is already a display", "此屏幕已设为大屏"},
	{"only administrators, centers and leaders may set up a display", "只有管理员、指挥中心和领导可以设置大屏"},
	{"region %s is not in your area", "区划 %s 不在您的辖区内"},
	{"display session ended", "大屏会话已结束"},
	{"you may not manage displays", "您无权管理大屏"},
	{"display %d not found", "大屏 %d 不存在"},
	{"this display no longer exists", "该大屏已不存在"},
	{"this display was revoked; sign in again", "该大屏已被撤销；请重新登录"},
	{"display session expired; sign in again", "大屏会话已过期；请重新登录"},
	{"the account that set up this display may no longer show its region; sign in again",
		"设置该大屏的账号已无权展示其区划；请重新登录"},

	// region: codes, levels, grids and overlay layers (region.go, mapdata.go, store.go).
	{"code must be digits only", "代码只能是数字"},
	{"a city code ends in 00", "市级代码以 00 结尾"},
	{"%s is a province code, not a city", "%s 是省级代码，不是市级代码"},
	{"a county code does not end in 00", "县级代码不以 00 结尾"},
	{"county %s is not under city %s", "县（区）%s 不属于市 %s"},
	{"township serial 000 is not used", "乡镇（街道）序号不能为 000"},
	{"village serial 000 is not used", "村（社区）序号不能为 000"},
	{"grid serial 000 is not used", "网格序号不能为 000"},
	{"must be one of city, county, township, village, grid",
		"须为 city（市）、county（县/区）、township（乡镇/街道）、village（村/社区）、grid（网格）之一"},
	{"unknown level %q (want city, county, township, village or grid)", "未知的层级 %q（须为 city、county、township、village 或 grid）"},
	{"a city has no parent", "市没有上级区划"},
	{"only grids have a kind and subtype", "只有网格才有类型和子类型"},
	{"must be after valid_from", "须晚于生效日期（valid_from）"},
	{"a comprehensive grid has no subtype", "综合网格没有子类型"},
	{"an exclusive grid needs a subtype such as school, hospital, enterprise, industrial_park or market",
		"专属网格须填写子类型，如 school（学校）、hospital（医院）、enterprise（企业）、industrial_park（园区）或 market（市场）"},
	{"kind must be comprehensive or exclusive, got %q", "类型须为 comprehensive（综合网格）或 exclusive（专属网格），填写的是 %q"},
	{"layer must be a lower-case word such as police or mediation, got %q", "图层须为小写英文单词，如 police 或 mediation，填写的是 %q"},
	{"only a deployment-wide administrator may add a city", "只有全局管理员可以新增市"},
	{"region already exists", "区划已存在"},
	{"region %s already exists", "区划 %s 已存在"},

	// gridmap: importing regions, overlays and stations (store.go, service.go, geojson.go).
	{"want a GeoJSON FeatureCollection, got type %q", "须为 GeoJSON FeatureCollection，实为类型 %q"},
	{"is not a GeoJSON FeatureCollection: the file is empty", "不是 GeoJSON FeatureCollection：文件为空"},
	{"is not a GeoJSON FeatureCollection: it is not valid JSON (it ends too early)", "不是 GeoJSON FeatureCollection：不是有效的 JSON（内容不完整）"},
	{"is not a GeoJSON FeatureCollection: it is not valid JSON (at byte %d)", "不是 GeoJSON FeatureCollection：不是有效的 JSON（第 %d 字节处）"},
	{"is not a GeoJSON FeatureCollection: its type is not a string", "不是 GeoJSON FeatureCollection：其 type 不是字符串"},
	{"is not a GeoJSON FeatureCollection: its features are not an array", "不是 GeoJSON FeatureCollection：其 features 不是数组"},
	{"is not a GeoJSON FeatureCollection: it is an array, not an object", "不是 GeoJSON FeatureCollection：它是数组，不是对象"},
	{"is not a GeoJSON FeatureCollection: it is a string, not an object", "不是 GeoJSON FeatureCollection：它是字符串，不是对象"},
	{"is not a GeoJSON FeatureCollection: it is true or false, not an object", "不是 GeoJSON FeatureCollection：它是 true 或 false，不是对象"},
	{"is not a GeoJSON FeatureCollection: it is a number, not an object", "不是 GeoJSON FeatureCollection：它是数字，不是对象"},
	{"no code property (code or adcode)", "缺少 code 属性（code 或 adcode）"},
	{"no code property", "缺少 code 属性"},
	{"feature has no geometry", "要素没有几何图形"},
	{"geometry has %d vertices, more than the limit of %d", "几何图形有 %d 个顶点，超过上限 %d"},
	{"geometry is a %s; a boundary must be a Polygon or MultiPolygon", "几何图形为 %s；边界须为 Polygon 或 MultiPolygon"},
	{"code %s appears twice in the file (also feature %d)", "编码 %s 在文件中出现了两次（另见要素 %d）"},
	{"parent %s does not exist", "上级区划 %s 不存在"},
	{"only a deployment-wide administrator may import a city", "只有全局管理员可以导入市"},
	// The shares are printed with %.1f and %.0f.
	{"%s lies outside its parent %s: %v%% of its area is inside it, at least %d%% must be",
		"%s 超出上级区划 %s：只有 %v%% 的面积在上级区划内，至少须有 %d%%"},
	{"overlay networks span the city; only a deployment-wide administrator may import them", "叠加网络覆盖全市；只有全局管理员可以导入"},
	{"%s lies outside the city: %v%% of its area is inside the city's regions, more than %d%% must be",
		"%s 位于本市之外：只有 %v%% 的面积在本市区划内，须超过 %d%%"},
	{"name must not be empty", "名称不能为空"},
	{"boundary must not be empty", "边界不能为空"},
	{"code and name are required", "编码和名称必填"},
	{"a station is a Point", "驿站须为 Point（点）"},
	{"location is not inside any grid", "位置不在任何网格内"},
	{"grid %s does not exist", "网格 %s 不存在"},
	{"the location (lng, lat) lies outside grid %s; give the grid that holds it, or leave grid_code out",
		"该位置（lng, lat）不在网格 %s 内；请填写包含该位置的网格，或不填 grid_code"},
	{"station %s exists outside your area", "驿站 %s 已登记在您的辖区之外"},
	{"region %s has no boundary yet", "区划 %s 尚无边界"},
	{"code must be 1-64 letters, digits, '_' or '-'", "编码须为 1 至 64 个字母、数字、“_”或“-”"},

	// gridmap: map tiles (tiles.go).
	{"must be between 0 and %d", "须在 0 至 %d 之间"},
	{"tile %d/%d/%d does not exist", "瓦片 %d/%d/%d 不存在"},
	{"unknown layer %q (known: county, township, village, grid, exclusive, police, mediation, stations)",
		"未知的图层 %q（可用的有 county、township、village、grid、exclusive、police、mediation、stations）"},

	// geo: converting a geometry (crs.go).
	{"convert to WGS-84: unknown coordinate system %q", "转换为 WGS-84：未知的坐标系 %q"},
	{"convert to WGS-84: no geometry", "转换为 WGS-84：没有几何图形"},
	{"convert to WGS-84: a bounding box cannot be converted exactly; convert the geometry it bounds",
		"转换为 WGS-84：边界框无法精确转换；请转换它所框定的几何图形"},

	// tabular: a file that cannot be read as a whole (csv.go, tabular.go, xlsx.go).
	{"the file has no header row", "文件没有表头行"},
	{"the file has no header row (sheet %q is empty)", "文件没有表头行（工作表 %q 为空）"},
	{`the file is UTF-16 ("Unicode text"); save it as "CSV UTF-8" or as .xlsx`, `文件为 UTF-16 编码（“Unicode 文本”）；请另存为“CSV UTF-8”或 .xlsx`},
	{"the file contains binary data, so it is not a CSV text file; save it as CSV or .xlsx", "文件含有二进制数据，不是 CSV 文本文件；请另存为 CSV 或 .xlsx"},
	{"this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV and upload it again",
		"这是旧版 Excel 97-2003（.xls）工作簿；请另存为 .xlsx 或 CSV 后重新上传"},
	{"the workbook is password-protected or in the old .xls format; remove the password and save it as .xlsx, or save it as CSV",
		"工作簿设有密码或为旧版 .xls 格式；请取消密码并另存为 .xlsx，或另存为 CSV"},
	{"the old .xls format is not supported; save the file as .xlsx or CSV and upload it again", "不支持旧版 .xls 格式；请另存为 .xlsx 或 CSV 后重新上传"},
	{"this ZIP file is not an .xlsx workbook; save the data as .xlsx or CSV", "此 ZIP 文件不是 .xlsx 工作簿；请将数据另存为 .xlsx 或 CSV"},
	{"the workbook unpacks to more than %d GiB; split it into smaller files or save it as CSV", "工作簿解压后超过 %d GiB；请拆分为较小的文件或另存为 CSV"},
	{"the workbook holds more than %d MiB besides its cells (drawings, comments, pivot tables); copy the data into a new workbook or save it as CSV",
		"工作簿除单元格外的内容（图形、批注、数据透视表）超过 %d MiB；请将数据复制到新工作簿或另存为 CSV"},
	{"the workbook has no sheet named %q; its sheets are %s", "工作簿中没有名为 %q 的工作表；现有工作表为 %s"},
	{"tabular: unknown encoding %q (want utf-8, gbk or auto)", "未知的编码 %q（须为 utf-8、gbk 或 auto）"},

	// tabular: writing an export (writer.go).
	{"tabular: unknown format %q (want csv or xlsx)", "未知的格式 %q（须为 csv 或 xlsx）"},
	{"an .xlsx sheet holds at most %d rows; export as CSV instead", "一张 .xlsx 工作表最多 %d 行；请改为导出 CSV"},
	{"row %d, column %s: the cell has more than the %d characters an .xlsx cell holds; export as CSV instead",
		"第 %d 行 %s 列：单元格超过 .xlsx 单元格可容纳的 %d 个字符；请改为导出 CSV"},
},
	tagChoice(),
	regionLevels(),
	damagedWorkbook(),
	headerMismatch(),
	pointPrefixed("location: ", "位置："),
	pointPrefixed("coordinate [%v, %v]: ", "坐标 [%[1]v, %[2]v]："),
	positions(),
)

// tagChoice words the refusal of a search by an unknown tag, which lists
// the tags as the other coded columns do (the import refuses a tag with
// "unknown tag %q" instead).
func tagChoice() []Entry {
	for _, c := range registry.Choices() {
		if c.Column == "tags" {
			return []Entry{{"must be one of " + strings.Join(c.Codes, ", ") + ", got %q",
				c.Label + "须为 " + choiceList(c) + " 之一，填写的是 %q"}}
		}
	}
	return nil
}

// levels are the region levels as the region package prints them, with
// their Chinese names.
var levels = []struct{ code, zh string }{
	{"city", "市"}, {"county", "县（区）"}, {"township", "乡镇（街道）"}, {"village", "村（社区）"}, {"grid", "网格"},
}

// regionLevels words the refusals that name a region level
// (region.ValidateCode, Region.Validate, gridmap's import).
func regionLevels() []Entry {
	var es []Entry
	for i, l := range levels {
		es = append(es,
			Entry{"a " + l.code + " code has %d digits, got %d", l.zh + "代码须为 %d 位，实为 %d 位"},
			Entry{"%s exists as a " + l.code + " under %q; an import cannot move it", "%s 已作为" + l.zh + "登记在 %q 之下；导入不能移动它"})
		if i == 0 {
			continue
		}
		parent := levels[i-1]
		es = append(es, Entry{"a " + l.code + " needs a parent", l.zh + "须有上级区划"})
		for _, other := range levels {
			if other != parent {
				es = append(es, Entry{"the parent of a " + l.code + " must be a " + parent.code + ", %s is a " + other.code,
					l.zh + "的上级须为" + parent.zh + "，%s 是" + other.zh})
			}
		}
		if i >= 2 {
			es = append(es, Entry{l.code + " %s does not begin with its parent's code %s", l.zh + "%s 不以上级区划代码 %s 开头"})
		}
	}
	return es
}

// damagedWorkbook words the ways tabular finds an .xlsx file damaged.
func damagedWorkbook() []Entry {
	const en, zh = "the .xlsx file is damaged or incomplete: ", "该 .xlsx 文件已损坏或不完整："
	var es []Entry
	for _, e := range []Entry{
		{"the file is empty", "文件为空"},
		{"it is not a ZIP package, as every .xlsx file is", "它不是 ZIP 压缩包，而 .xlsx 文件都是 ZIP 压缩包"},
		{"it could not be parsed (%v)", "无法解析（%v）"},
		{"its table of contents is missing or broken, so the upload was probably cut off", "目录缺失或损坏，上传可能被中断"},
		{"its part %s is corrupt (%v)", "其中的部件 %s 已损坏（%v）"},
		{"its part %s cannot be read (%v)", "其中的部件 %s 无法读取（%v）"},
		{"it has no sheets", "没有工作表"},
		{"sheet %q cannot be read: %v", "工作表 %q 无法读取：%v"},
	} {
		es = append(es, Entry{en + e.English, zh + e.Chinese})
	}
	return es
}

// headerMismatch words tabular's HeaderError: every combination of the
// missing, unknown and repeated columns it lists, those of more parts
// first, so that a part's list never swallows the parts after it.
func headerMismatch() []Entry {
	parts := []Entry{
		{"missing required columns: %s", "缺少必填列：%s"},
		{"unknown columns: %s", "无法识别的列：%s"},
		{"columns given twice: %s", "重复的列：%s"},
	}
	var es []Entry
	sets := make([]int, 0, 1<<len(parts)-1)
	for set := 1; set < 1<<len(parts); set++ {
		sets = append(sets, set)
	}
	slices.SortStableFunc(sets, func(a, b int) int { return bits.OnesCount(uint(b)) - bits.OnesCount(uint(a)) })
	for _, set := range sets {
		var en, zh []string
		for i, p := range parts {
			if set&(1<<i) != 0 {
				en, zh = append(en, p.English), append(zh, p.Chinese)
			}
		}
		es = append(es, Entry{"the header row does not match the template: " + strings.Join(en, "; "),
			"表头与模板不符：" + strings.Join(zh, "；")})
	}
	return es
}

// pointPrefixed words geo.ValidatePoint's refusals behind a prefix: a
// station's "location: ", a boundary's "coordinate [lng, lat]: ". The
// Chinese prefix names its own arguments by index.
func pointPrefixed(en, zh string) []Entry {
	n := strings.Count(en, "%")
	reasons := []Entry{
		{"longitude is not a finite number (%v)", "经度不是有限的数（%v）"},
		{"latitude is not a finite number (%v)", "纬度不是有限的数（%v）"},
		{"longitude %v is outside -180..180 (are longitude and latitude swapped?)", "经度 %v 超出 -180 至 180（经纬度是否填反了？）"},
		{"latitude %v is outside -90..90 (are longitude and latitude swapped?)", "纬度 %v 超出 -90 至 90（经纬度是否填反了？）"},
	}
	if n > 0 {
		// Only a boundary is read in a system other than WGS-84.
		reasons = append(reasons,
			Entry{"point (%v, %v) is outside China, where GCJ-02 coordinates do not exist (longitude 72.004..137.8347, latitude 0.8293..55.8271)",
				"点（%v, %v）在中国境外，那里没有 GCJ-02 坐标（经度 72.004 至 137.8347，纬度 0.8293 至 55.8271）"},
			Entry{"unknown coordinate system %q", "未知的坐标系 %q"})
	}
	var es []Entry
	for _, r := range reasons {
		es = append(es, Entry{en + r.English, zh + shift(r.Chinese, n)})
	}
	return es
}

// positions words gridmap's refusals of a GeoJSON position that is not a
// pair of numbers, for each way gridmap names the position: the point, or
// a coordinate, ring or polygon counted from 0, innermost first.
func positions() []Entry {
	leaf := []Entry{
		{"the point", "该点"},
		{"coordinate %d", "坐标 %[1]d"},
		{"coordinate %d of ring %d", "环 %[2]d 的坐标 %[1]d"},
		{"coordinate %d of ring %d of polygon %d", "多边形 %[3]d 环 %[2]d 的坐标 %[1]d"},
	}
	inner := []Entry{
		{"coordinates", "坐标"},
		{"ring %d", "环 %[1]d"},
		{"polygon %d", "多边形 %[1]d"},
		{"ring %d of polygon %d", "多边形 %[2]d 的环 %[1]d"},
	}
	// A name that ends in a number is set off from the words after it by
	// a space, one that ends in a Chinese word is not: "坐标 3 有", "该点有".
	then := func(name string) string {
		if strings.HasSuffix(name, "d") {
			return name + " "
		}
		return name
	}
	var es []Entry
	for _, p := range inner {
		es = append(es, Entry{p.English + " is not an array", then(p.Chinese) + "不是数组"})
	}
	for _, p := range leaf {
		n := strings.Count(p.English, "%")
		es = append(es,
			Entry{p.English + " is not an array of numbers", then(p.Chinese) + "不是由数字组成的数组"},
			Entry{p.English + " has %d numbers; want longitude, latitude and at most an altitude",
				then(p.Chinese) + shift("有 %d 个数；应为经度、纬度，至多再加一个海拔", n)})
		for _, axis := range []Entry{{"longitude", "经度"}, {"latitude", "纬度"}, {"altitude", "海拔"}} {
			es = append(es, Entry{p.English + ": the " + axis.English + " is %s, not a number",
				p.Chinese + shift("："+axis.Chinese+"为 %s，不是数字", n)})
		}
	}
	return es
}

// shift numbers the verbs of a wording from argument n+1 on, for a wording
// that follows n arguments named by index.
func shift(w string, n int) string {
	if n == 0 {
		return w
	}
	var b strings.Builder
	arg := n
	for i := 0; i < len(w); i++ {
		if w[i] != '%' {
			b.WriteByte(w[i])
			continue
		}
		if w[i+1] == '%' {
			b.WriteString("%%")
			i++
			continue
		}
		arg++
		fmt.Fprintf(&b, "%%[%d]", arg)
	}
	return b.String()
}
