package zhreason

// adminAPI words the refusals of the HTTP layer itself and of the
// services behind administration: API keys, notifications, dashboards
// (packages httpapi, apikey, jobs, dashboard, apperr).
var adminAPI = []Entry{
	// apperr: the detail of every refusal that names its fields.
	{"invalid input", "输入有误"},

	// httpapi: an error that is no refusal, whose detail stays in the log.
	{"internal error; the request id is %s", "系统内部错误；请求编号为 %s"},
	{"internal error: the answer could not be encoded", "系统内部错误：应答无法编码"},

	// httpapi: reading a request (problem.go, params.go, server.go).
	{"must be application/json", "须为 application/json"},
	{"must hold a single JSON object and nothing after it", "须为单个 JSON 对象，其后不能有其他内容"},
	{"is empty; send a JSON object", "为空；请发送一个 JSON 对象"},
	{"is larger than %d bytes", "超过 %d 字节"},
	{"is not valid JSON (at byte %d)", "不是有效的 JSON（第 %d 字节处）"},
	{"is not valid JSON (it ends too early)", "不是有效的 JSON（内容不完整）"},
	{"must be a JSON object", "须为 JSON 对象"},
	{"must be a whole number within range, not %s", "须为范围内的整数，不能是 %s"},
	{"must be a number within range, not %s", "须为范围内的数字，不能是 %s"},
	{"is not a known field", "不是可识别的字段"},
	{"cannot be read", "无法读取"},
	{"cannot be read: %s", "无法读取：%s"},
	{"must be a positive integer", "须为正整数"},
	{"must be a non-negative integer, got %q", "须为非负整数，填写的是 %q"},
	{"must be true or false", "须为 true 或 false"},
	{"no such API endpoint: %s %s", "没有这个接口：%s %s"},
	{"cross-origin request refused", "拒绝跨域请求"},
	{"log in first", "请先登录"},
	{"this browser is the display %q: it may only show the dashboards; sign in on another browser to use the console",
		"此浏览器是大屏 %q：只能显示数据看板；请在其他浏览器登录管理平台"},
	{"missing or wrong X-CSRF-Token header", "缺少 X-CSRF-Token 请求头，或其值不正确"},
	{"change your one-time password first", "请先修改您的一次性密码"},
	{"your role requires two-factor login; enrol an authenticator first", "您的角色须使用双因素登录；请先绑定身份验证器"},

	// httpapi: uploads, versions and the editors of the calendar, the
	// category tree, maps and the registry.
	{"send one file per request", "每次请求只能上传一个文件"},
	{"is larger than the limit of %s", "超过上限 %s"},
	{"must be a year such as 2026", "须为年份，如 2026"},
	{"must be application/json (a holiday-cn year file) or multipart/form-data with a file",
		"须为 application/json（holiday-cn 年度文件）或带文件的 multipart/form-data"},
	{"must be the positive version number you read", "须为您所读取的版本号（正整数）"},
	{"is required: true for a day off, false for a working day", "必填：休息日为 true，工作日为 false"},
	{"must be a time in RFC 3339, e.g. 2026-09-30T16:00:00+08:00", "须为 RFC 3339 格式的时间，如 2026-09-30T16:00:00+08:00"},
	{"is required: send If-Match or ?version= with the version you read", "必填：请用 If-Match 或 ?version= 发送您所读取的版本号"},
	{"is required: the version you read (in the body, If-Match or ?version=)", "必填：您所读取的版本号（写在请求体、If-Match 或 ?version= 中）"},
	{"must be the version you read, a positive integer", "须为您所读取的版本号（正整数）"},
	{"must be city, county or township", "须为 city（市）、county（县区）或 township（乡镇街道）"},
	{"you may not read the grid map", "您无权查看网格地图"},
	{"you may not change the grid map", "您无权修改网格地图"},
	{"must be multipart/form-data with a file field", "须为带 file 字段的 multipart/form-data"},
	{"must hold 1 to %d [lng, lat] pairs", "须包含 1 至 %d 个 [lng, lat] 坐标对"},
	{"you may not read the region tree", "您无权查看区划树"},
	{"you may not change the region tree", "您无权修改区划树"},
	{"you may not read the audit log", "您无权查看审计日志"},
	{"lng and lat go together", "lng 和 lat 须同时填写"},
	{"the export is by region; read a department's figures from /api/v1/stats/events", "导出按区划进行；部门的统计请从 /api/v1/stats/events 查看"},
	{"you may not change the registry", "您无权修改人口房屋信息"},
	{"you may not read the registry", "您无权查看人口房屋信息"},
	{"must be auto, utf-8 or gbk", "须为 auto（自动识别）、utf-8 或 gbk"},
	{"no such import (finished imports are kept for an hour)", "没有这次导入（已完成的导入只保留一小时）"},
	{"must be xlsx or csv", "须为 xlsx 或 csv"},
	{"no such error report (they are kept for an hour)", "没有这份错误报告（错误报告只保留一小时）"},
	{"must be the id of your action on the event, as its answer gave it", "须为您对该事件处置记录的 id，即处置时返回的 id"},
	{"must be [lng, lat]: exactly two numbers", "须为 [lng, lat]：恰好两个数"},
	{"is not a filter here; give month (YYYY-MM) or date (YYYY-MM-DD)", "此处不能按此筛选；请填写月份 month（YYYY-MM）或日期 date（YYYY-MM-DD）"},

	// apikey: the keys of Open311 clients.
	{"only a deployment-wide administrator may manage API keys", "只有系统管理员可以管理 API 密钥"},
	{"must be 1-50 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
		"须为 1 至 50 个字母、数字、空格、“.”、“_”或“-”，并以字母或数字开头"},
	{"a live key with this name exists", "已有同名的有效密钥"},
	{"%q already has a key; revoke it first or choose another name", "%q 已有密钥；请先吊销，或换一个名称"},
	{"API key %d not found", "API 密钥 %d 不存在"},
	{"api_key is required", "api_key 必填"},
	{"api_key is not a valid key (keys look like %s followed by 43 characters)", "api_key 不是有效的密钥（密钥以 %s 开头，后接 43 个字符）"},
	{"api_key is not a known key", "api_key 不是已登记的密钥"},
	{"api_key was revoked; ask the administrator for a new key", "api_key 已被吊销；请向管理员申请新密钥"},

	// jobs: notifications.
	{"must be region, department or user", "须为 region（区域）、department（部门）或 user（用户）"},
	{"notification not found", "通知不存在"},

	// dashboard: the dashboards.
	{"the dashboards are still loading their figures after the server started; try again in a few seconds", "服务刚启动，数据看板仍在加载数据；请稍候几秒再试"},
	{"you may not read the dashboards", "您无权查看数据看板"},
	{"there is no city yet; import the regions first", "尚未建立市级区划；请先导入区划"},
	{"must be a region code of 6, 9, 12 or 15 digits", "须为 6、9、12 或 15 位的区划代码"},
	{"region %s is outside your area", "区域 %s 不在您的辖区内"},
	{"a range spans at most 366 days", "时间范围最多 366 天"},
	{"must be a whole number of days from 1 to 365", "须为 1 至 365 的整天数"},
}
