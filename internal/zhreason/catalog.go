package zhreason

import (
	"strings"

	"github.com/gridgov/gridgov/internal/registry"
)

// Entries returns the reasons a registry import can give a row, with their
// Chinese wording. A reason made elsewhere must be added here with the same
// format; TestEveryImportRefusalIsWordedInChinese finds the ones missing.
func Entries() []Entry {
	var es []Entry
	// Coded columns list each code's Chinese names with the code itself,
	// 自住（self_occupied）、产权/拥有（owns）: a file may give either, and the
	// API, which words the same refusal, takes the code only.
	for _, c := range registry.Choices() {
		list := choiceList(c)
		if c.Column == "tags" {
			es = append(es, Entry{"unknown tag %q", "未知的标签 %q；" + c.Label + "须为 " + list + " 之一"})
			continue
		}
		es = append(es, Entry{"must be one of " + strings.Join(c.Codes, ", ") + ", got %q",
			c.Label + "须为 " + list + " 之一，填写的是 %q"})
	}
	return append(es, fixed...)
}

// choiceList lists a coded column's values as 自住（self_occupied）、….
func choiceList(c registry.Choice) string {
	items := make([]string, len(c.Codes))
	for i, code := range c.Codes {
		items[i] = strings.Join(c.Names[i], "/") + "（" + code + "）"
		if len(c.Names[i]) == 0 {
			items[i] = code
		}
	}
	return strings.Join(items, "、")
}

// fixed are the reasons whose wording depends on nothing else.
var fixed = []Entry{
	// registry: the checks of a row's text, dates and tags (types.go, persons.go).
	{"is required", "必填"},
	{"must be at most %d characters", "最多 %d 个字"},
	{"must not contain < or >", "不能包含 < 或 >"},
	{"must be a date as YYYY-MM-DD", "须为日期，写作 年-月-日，如 2026-06-01"},
	{"must not be before since (%s): a tag cannot end before it begins", "不能早于开始日期（%s）：标签不能在开始之前结束"},
	{"tag %q given twice", "标签 %q 填了两次"},

	// registry: houses (houses.go, import.go).
	{"must be 3-64 letters, digits, '_' or '-'", "须为 3 至 64 个字母、数字、“_”或“-”"},
	{"must be a number of square metres", "须为数字，单位平方米"},
	{"must be a positive number of square metres", "须为正数，单位平方米"},
	{"must be a number", "须为数字"},
	{"longitude and latitude go together: give both or neither", "经度和纬度须同时填写，或都不填"},
	{"the location is not inside any grid", "该位置不在任何网格内"},
	{"give a grid code or a location", "请填写网格编码或经纬度"},
	{"house %s exists outside your area", "房屋 %s 已登记在您的辖区之外"},
	{"house %s was created by someone else at the same time; try again", "房屋 %s 同时被他人新建；请重试"},

	// registry: placing a row, and rows of one file that clash (bulk.go, persons.go).
	{"house %s not found", "房屋 %s 不存在"},
	{"grid %s not found", "网格 %s 不存在"},
	{"give a grid code or a house the person lives at", "请填写网格编码，或填写此人居住的房屋"},
	{"this person is registered outside your area; ask the center to transfer them", "此人登记在您的辖区之外；请联系指挥中心办理迁移"},
	{"this person was registered by someone else at the same time; try again", "此人同时被他人登记；请重试"},
	{"the same ID number is already in row %d", "相同的身份证号已在第 %d 行"},
	{"house code repeats row %d", "房屋编码与第 %d 行重复"},

	// idcard.
	{"may contain only digits and a final X", "只能包含数字，最后一位可以是 X"},
	{"an old 15-digit ID may contain only digits", "15 位的旧身份证号只能包含数字"},
	{"must have 18 characters (or 15 for an old ID), got %d", "须为 18 位（旧身份证号为 15 位），实为 %d 位"},
	{"an old ID must have 15 digits, got %d", "旧身份证号须为 15 位数字，实为 %d 位"},
	{"address code %s is not a region code", "地址码 %s 不是行政区划代码"},
	{"address code %s is not used on old 15-digit IDs (residence permits have 18 characters)", "地址码 %s 不用于 15 位的旧身份证号（居住证号码为 18 位）"},
	{"address code %s is not a region code (Hong Kong, Macau and Taiwan residence permits use 810000, 820000 or 830000)",
		"地址码 %s 不是行政区划代码（港澳台居民居住证使用 810000、820000 或 830000）"},
	{"the birth date it contains is not a real date", "号码中的出生日期不是真实存在的日期"},
	{"check digit %c does not match the other digits; one of them is probably mistyped", "校验码 %c 与前面的数字不符；可能有一位输错了"},
	{"birth date is in the future", "出生日期晚于今天"},
	{"birth date is more than %d years ago", "出生日期早于 %d 年前"},

	// pii: phone numbers.
	{"phone number is empty", "电话号码为空"},
	{"may contain only digits, spaces, dashes and a leading +", "只能包含数字、空格、短横线和开头的 +"},
	{"phone number has no digits", "电话号码中没有数字"},
	{"only mainland China numbers (+86) are accepted", "只接受中国大陆的号码（+86）"},
	{"after the +86 country code only a mobile number is accepted; write a landline with its area code, like 0459-1234567",
		"+86 国家代码后只能是手机号；固定电话请写区号，如 0459-1234567"},
	{"a %s service number has 10 digits, got %d", "%s 服务号码为 10 位数字，实为 %d 位"},
	{"is not a mobile number (starting with 1), a landline (starting with an area code 0…) or a 400/800 service number",
		"不是手机号（以 1 开头）、固定电话（以区号 0… 开头），也不是 400/800 服务号码"},
	{"a mobile number has 11 digits, got %d", "手机号为 11 位数字，实为 %d 位"},
	{"a mobile number starts with 13 to 19, not %s", "手机号以 13 至 19 开头，不能以 %s 开头"},
	{"a landline number has a 3- or 4-digit area code and 7 or 8 digits after it", "固定电话为 3 或 4 位区号加 7 或 8 位号码"},
	{"area code %s does not exist (the only area code starting with 01 is 010)", "区号 %s 不存在（以 01 开头的区号只有 010）"},
	{"a landline number has 7 or 8 digits after the area code %s, got %d", "区号 %s 后的号码须为 7 或 8 位，实为 %d 位"},
	{"the local number after the area code %s cannot start with 0", "区号 %s 后的号码不能以 0 开头"},

	// geo: coordinates and their systems.
	{"longitude is not a finite number (%v)", "经度不是有限的数（%v）"},
	{"latitude is not a finite number (%v)", "纬度不是有限的数（%v）"},
	{"longitude %v is outside -180..180 (are longitude and latitude swapped?)", "经度 %v 超出 -180 至 180（经纬度是否填反了？）"},
	{"latitude %v is outside -90..90 (are longitude and latitude swapped?)", "纬度 %v 超出 -90 至 90（经纬度是否填反了？）"},
	{"point (%v, %v) is outside China, where GCJ-02 coordinates do not exist (longitude 72.004..137.8347, latitude 0.8293..55.8271)",
		"点（%v, %v）在中国境外，那里没有 GCJ-02 坐标（经度 72.004 至 137.8347，纬度 0.8293 至 55.8271）"},
	{"unknown coordinate system %q", "未知的坐标系 %q"},
	{"coordinate system %q (Baidu) is not supported: send wgs84 or gcj02", "不支持百度坐标系 %q：请填写 wgs84 或 gcj02"},
	{"unknown coordinate system %q: want wgs84 (also cgcs2000, epsg:4326) or gcj02", "未知的坐标系 %q：须为 wgs84（也可写 cgcs2000、epsg:4326）或 gcj02"},

	// tabular: a row the file reader cannot read.
	{`the row is longer than 1 MiB; a quote (") in it is probably not closed, or this is not a CSV file`,
		`该行超过 1 MiB：其中的引号（"）可能没有闭合，或者这不是 CSV 文件`},
	{`a quote (") appears inside a cell that does not start with one; put the whole cell in quotes and double the quote ("")`,
		`单元格不以引号开头，中间却有引号（"）；请给整个单元格加上引号，并把其中的引号写成两个（""）`},
	{`a quoted cell is not closed properly: a quote (") is missing, or one inside the cell is not doubled ("")`,
		`带引号的单元格没有正确闭合：缺少引号（"），或单元格中的引号没有写成两个（""）`},
	{"the line is not valid CSV: %s", "该行不是有效的 CSV：%s"},
	{"the file is not UTF-8 (it looks like GBK); choose GBK or save as UTF-8", "文件不是 UTF-8 编码（看起来是 GBK）；请选择 GBK，或另存为 UTF-8"},
	{"the .xlsx file is damaged: the row could not be parsed (%v)", "该 .xlsx 文件已损坏：此行无法解析（%v）"},
	{"the .xlsx file is damaged: the row's cells cannot be read: %s", "该 .xlsx 文件已损坏：此行的单元格无法读取：%s"},
	{"the sheet cannot be read further: %s", "工作表无法继续读取：%s"},
}
