package zhreason

import (
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
)

// TestEveryEventWordAndRoleHasAName checks that each action, state and
// role the sources print has its Chinese name, so that no wording made
// from them is left with an empty one.
func TestEveryEventWordAndRoleHasAName(t *testing.T) {
	for _, a := range event.Actions() {
		if actionNames[a] == "" {
			t.Errorf("action %q has no Chinese name", a)
		}
	}
	for _, s := range event.States() {
		if stateNames[s] == "" {
			t.Errorf("state %q has no Chinese name", s)
		}
	}
	for _, r := range auth.Roles() {
		if roleNames[r] == "" {
			t.Errorf("role %q has no Chinese name", r)
		}
	}
}

// TestNamedWordsAreWordedWhole checks refusals that print a word or code of
// the source's own, and the refusals of files and bodies that are not the
// JSON they should be: the Chinese is whole, with no English word left.
func TestNamedWordsAreWordedWhole(t *testing.T) {
	cs := apiCatalogs(t)
	for en, want := range map[string]string{
		"verify is not possible while the event is reported":                                                                      "事件处于“待立案”状态，不能执行“核查结案”",
		"say why (park needs a note)":                                                                                             "请说明理由（“挂账”需要填写意见）",
		"you may not self handle this event":                                                                                      "您无权对该事件执行“网格自办”",
		"files cannot be added while the event is closed":                                                                         "事件处于“已结案”状态，不能上传附件",
		"event E2026 is voided; merge into an open event":                                                                         "事件 E2026 处于“已作废”状态；请合并到办理中的事件",
		"event E2026 is duplicate; only open events can be followed":                                                              "事件 E2026 处于“已合并”状态；只能关注办理中的事件",
		"a leader account does not file reports; the center files them":                                                           "领导账号不能上报事件；由指挥中心登记",
		"must be resident for a report from a resident; it follows from who reports":                                              "群众上报的事件来源须为 resident（群众）；来源由上报人决定",
		"must be worker for a report from a grid worker; it follows from who reports":                                             "网格员上报的事件来源须为 worker（网格员）；来源由上报人决定",
		"must be an array, not a string":                                                                                          "须为数组，不能是字符串",
		"must be a boolean, not an object":                                                                                        "须为布尔值，不能是对象",
		"must be a whole number within range, not 1.5":                                                                            "须为范围内的整数，不能是 1.5",
		"is 99, the department is at 1":                                                                                           "您提交的版本为 99，该部门当前版本为 1",
		"is 99, the calendar is at 1":                                                                                             "您提交的版本为 99，工作日历当前版本为 1",
		"is not a GeoJSON FeatureCollection: it is not valid JSON (at byte 2)":                                                    "不是 GeoJSON FeatureCollection：不是有效的 JSON（第 2 字节处）",
		"is not a GeoJSON FeatureCollection: it is an array, not an object":                                                       "不是 GeoJSON FeatureCollection：它是数组，不是对象",
		"holiday file is not a JSON object: it is not valid JSON (at byte 2)":                                                     "节假日文件不是 JSON 对象：不是有效的 JSON（第 2 字节处）",
		"holiday file is not a JSON object: it is a string":                                                                       "节假日文件不是 JSON 对象：它是字符串",
		"the .xlsx file is damaged or incomplete: its table of contents is missing or broken, so the upload was probably cut off": "该 .xlsx 文件已损坏或不完整：目录缺失或损坏，上传可能被中断",
		"must be a time in RFC 3339, e.g. 2026-09-30T16:00:00+08:00":                                                              "须为 RFC 3339 格式的时间，如 2026-09-30T16:00:00+08:00",
	} {
		for _, c := range cs {
			if got, ok := c.Lookup(en); !ok || got != want {
				t.Errorf("%q is worded %q, want %q", en, got, want)
			}
		}
	}
}
