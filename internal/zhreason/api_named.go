package zhreason

import (
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
)

// namedAPI words, case by case, the refusals whose %s prints a word or a
// code of the source's own: a JSON type, an event's action or state, a
// role, where a report comes from. A general wording would leave that word
// in English; the entries are made from the lists the sources print and
// one table of their Chinese names.
var namedAPI = slices.Concat(jsonMismatches(), eventWords(), roleWords(), reportSources())

// jsonKinds are the JSON types as the readers of JSON name them, with
// their article, and their Chinese names.
var jsonKinds = []struct{ en, zh string }{
	{"a string", "字符串"}, {"a number", "数字"}, {"a boolean", "布尔值"}, {"an array", "数组"}, {"an object", "对象"},
}

// jsonMismatches words a value of one JSON type given where another is
// wanted (httpapi's typeMismatch).
func jsonMismatches() []Entry {
	var es []Entry
	for _, want := range jsonKinds {
		for _, got := range jsonKinds {
			if got != want {
				es = append(es, Entry{"must be " + want.en + ", not " + got.en, "须为" + want.zh + "，不能是" + got.zh})
			}
		}
	}
	return es
}

// stateNames and actionNames are the names the console gives an event's
// states and actions.
var (
	stateNames = map[event.State]string{
		event.Reported: "待立案", event.Registered: "已立案", event.Dispatched: "已派遣", event.Handling: "处置中",
		event.Handled: "已反馈", event.Closed: "已结案", event.Rejected: "不予立案", event.Duplicate: "已合并",
		event.Parked: "挂账", event.Voided: "已作废",
	}
	actionNames = map[event.Action]string{
		event.Register: "立案", event.Reject: "不予立案", event.Merge: "合并重复", event.SelfHandle: "网格自办",
		event.Dispatch: "派遣", event.Escalate: "上报上级", event.Accept: "签收", event.Return: "退回",
		event.RequestExtension: "申请延期", event.ApproveExtension: "批准延期", event.RefuseExtension: "驳回延期",
		event.Feedback: "反馈", event.Verify: "核查结案", event.Rework: "返工", event.Rate: "评价",
		event.Reopen: "重新办理", event.Park: "挂账", event.Unpark: "取消挂账", event.Void: "作废",
		event.Supervise: "督办", event.Comment: "备注",
	}
)

// eventWords words the refusals that print an event's action or state
// (event's machine, act.go and attachments.go, resident's follows.go), for
// every action and state the event package lists.
func eventWords() []Entry {
	var es []Entry
	for _, a := range event.Actions() {
		an := "“" + actionNames[a] + "”"
		es = append(es,
			Entry{"say why (" + string(a) + " needs a note)", "请说明理由（" + an + "需要填写意见）"},
			Entry{"you may not " + strings.ReplaceAll(string(a), "_", " ") + " this event", "您无权对该事件执行" + an})
		for _, s := range event.States() {
			es = append(es, Entry{string(a) + " is not possible while the event is " + string(s),
				"事件处于“" + stateNames[s] + "”状态，不能执行" + an})
		}
	}
	for _, s := range event.States() {
		sn := "“" + stateNames[s] + "”"
		es = append(es,
			Entry{"files cannot be added while the event is " + string(s), "事件处于" + sn + "状态，不能上传附件"},
			Entry{"event %s is " + string(s) + "; merge into an open event", "事件 %s 处于" + sn + "状态；请合并到办理中的事件"},
			Entry{"event %s is " + string(s) + "; only open events can be followed", "事件 %s 处于" + sn + "状态；只能关注办理中的事件"})
	}
	return es
}

// roleNames are the Chinese names of the roles.
var roleNames = map[auth.Role]string{
	auth.RoleAdmin: "管理员", auth.RoleCenter: "指挥中心", auth.RoleDepartment: "部门",
	auth.RoleWorker: "网格员", auth.RoleLeader: "领导", auth.RoleResident: "居民",
}

// roleWords words the refusal of a report by a role that files none
// (event's report.go), for every role.
func roleWords() []Entry {
	var es []Entry
	for _, r := range auth.Roles() {
		es = append(es, Entry{"a " + string(r) + " account does not file reports; the center files them",
			roleNames[r] + "账号不能上报事件；由指挥中心登记"})
	}
	return es
}

// reportSources words the refusal of a report's source that does not
// follow from who files it, for each reporter event's sourcesOf names.
func reportSources() []Entry {
	const en, zh = "; it follows from who reports", "；来源由上报人决定"
	return []Entry{
		{"must be resident for a report from a resident" + en, "群众上报的事件来源须为 resident（群众）" + zh},
		{"must be worker for a report from a grid worker" + en, "网格员上报的事件来源须为 worker（网格员）" + zh},
		{"must be department for a report from a department" + en, "部门上报的事件来源须为 department（部门）" + zh},
		{"must be api for a report from an API client" + en, "接口客户端上报的事件来源须为 api（接口）" + zh},
		{"must be hotline or sensor for a report from a center" + en, "指挥中心登记的事件来源须为 hotline（热线）或 sensor（感知设备）" + zh},
	}
}
